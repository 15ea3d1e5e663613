/** Pool2DLayer / MaxPool2DLayer / GlobalPoolLayer values against core's float64 reference pooling. */
import { max, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { arange, pool2d as refPool } from '../../core/test/reference';
import { expectClose, randomND, run } from './helpers';

describe('pooling layers', () => {
  test('MaxPool 2 on arange(25).reshape(1,1,5,5)', async () => {
    const v = tensor4('x');
    const inp = new L.InputLayer([1, 1, 5, 5], { inputVar: v });
    const x = arange(25, [1, 1, 5, 5]);
    expect(Array.from((await run([v], L.getOutput(new L.MaxPool2DLayer(inp, { poolSize: 2 })), [x])).data)).toEqual([6, 8, 16, 18]);
    const nb = await run([v], L.getOutput(new L.MaxPool2DLayer(inp, { poolSize: 2, ignoreBorder: false })), [x]);
    expect(nb.shape).toEqual([1, 1, 3, 3]);
    expect(Array.from(nb.data)).toEqual([6, 8, 9, 16, 18, 19, 21, 23, 24]);
  });

  test('every mode × pool size × stride × pad × ignoreBorder against the float64 reference', async () => {
    const x = randomND(31, [2, 3, 7, 6]);
    let n = 0;
    for (const mode of ['max', 'average_inc_pad', 'average_exc_pad'] as const) {
      for (const ps of [2, 3]) {
        for (const stride of [1, 2, 3]) {
          for (const [pad, ignoreBorder] of [[0, true], [1, true], [0, false]] as const) {
            const v = tensor4('x');
            const l = new L.Pool2DLayer(new L.InputLayer([null, 3, 7, 6], { inputVar: v }), { poolSize: ps, stride, pad, ignoreBorder, mode });
            const ref = refPool(x, { ws: [ps, ps], stride: [stride, stride], pad: [pad, pad], ignoreBorder, mode });
            expectClose(await run([v], L.getOutput(l), [x]), ref, 1e-5, 1e-6);
            n++;
          }
        }
      }
    }
    expect(n).toBe(54);
  });

  test('GlobalPoolLayer: mean (default) and max over all spatial positions', async () => {
    const x = randomND(41, [2, 3, 4, 5]);
    const v = tensor4('x');
    const inp = new L.InputLayer([null, 3, 4, 5], { inputVar: v });
    const meanL = new L.GlobalPoolLayer(inp);
    const maxL = new L.GlobalPoolLayer(inp, { poolFunction: (t, axis) => max(t, axis) });
    expect(meanL.outputShape).toEqual([null, 3]);
    const expMean = new Float64Array(6);
    const expMax = new Float64Array(6).fill(-Infinity);
    for (let i = 0; i < 6; i++) {
      for (let k = 0; k < 20; k++) {
        expMean[i] += x.data[i * 20 + k] / 20;
        expMax[i] = Math.max(expMax[i], x.data[i * 20 + k]);
      }
    }
    expectClose(await run([v], L.getOutput(meanL), [x]), { data: expMean, shape: [2, 3] }, 1e-5, 1e-6);
    expectClose(await run([v], L.getOutput(maxL), [x]), { data: expMax, shape: [2, 3] }, 0, 0);
  });
});
