/** Conv2DLayer values against LASAGNE_REFERENCE.md and core's float64 reference convolution. */
import { compile, constant, grad, mul, sum, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { arange, conv2d as refConv, conv2dGradInput, conv2dGradWeight, type BorderMode } from '../../core/test/reference';
import { expectClose, randomND, run, type NDArray } from './helpers';
import { call } from '../../core/test/calls';

const x = () => tensor4('x');

async function layerOut(input: NDArray, opts: L.Conv2DLayerOptions): Promise<NDArray> {
  const v = x();
  const l = new L.Conv2DLayer(new L.InputLayer([null, input.shape[1], input.shape[2], input.shape[3]], { inputVar: v }), opts);
  return await run([v], L.getOutput(l), [input]);
}

const W9 = Float32Array.from(arange(9).data);

describe('Conv2DLayer values', () => {
  const xv = arange(16, [1, 1, 4, 4]);
  const base = { numFilters: 1, filterSize: 3, W: W9, b: null, nonlinearity: null } as const;

  test('flip, valid → [[102,138],[246,282]]; no flip → [[258,294],[402,438]]', async () => {
    expect(Array.from((await layerOut(xv, { ...base })).data)).toEqual([102, 138, 246, 282]);
    expect(Array.from((await layerOut(xv, { ...base, flipFilters: false })).data)).toEqual([258, 294, 402, 438]);
  });

  test("'same' and 'same' with stride 2", async () => {
    const same = await layerOut(xv, { ...base, pad: 'same' });
    expect(same.shape).toEqual([1, 1, 4, 4]);
    expect(Array.from(same.data)).toEqual([7, 23, 38, 41, 45, 102, 138, 126, 129, 246, 282, 234, 197, 341, 374, 287]);
    expect(Array.from((await layerOut(xv, { ...base, pad: 'same', stride: 2 })).data)).toEqual([7, 38, 129, 282]);
  });

  test("'full' → 6×6, first row [0,0,1,4,7,6]", async () => {
    const full = await layerOut(xv, { ...base, pad: 'full' });
    expect(full.shape).toEqual([1, 1, 6, 6]);
    expect(Array.from(full.data.slice(0, 6))).toEqual([0, 0, 1, 4, 7, 6]);
  });

  test('random inputs, every pad mode × stride × flip, against the float64 reference (+ bias, rectify)', async () => {
    const input = randomND(11, [2, 3, 7, 8]);
    const W = randomND(12, [4, 3, 3, 3], 0.5);
    const b = randomND(13, [4], 0.5);
    const pads: [L.ConvPad, BorderMode][] = [['valid', 'valid'], ['full', 'full'], ['same', 'half'], [0, 0], [1, 1], [2, 2], [[1, 2], [1, 2]]];
    for (const [pad, mode] of pads) {
      for (const stride of [1, 2, 3]) {
        for (const flip of [true, false]) {
          const out = await layerOut(input, { numFilters: 4, filterSize: 3, stride, pad, W: Float32Array.from(W.data), b: Float32Array.from(b.data), flipFilters: flip });
          const ref = refConv(input, W, { borderMode: mode, subsample: [stride, stride], filterFlip: flip });
          const per = ref.shape[2] * ref.shape[3];
          const expected = { data: ref.data.map((v, i) => Math.max(0, v + b.data[Math.floor(i / per) % 4])), shape: ref.shape };
          expectClose(out, expected, 1e-4, 1e-5);
        }
      }
    }
  });

  test('untied biases: one per filter and output position', async () => {
    const input = randomND(21, [2, 2, 5, 5]);
    const W = randomND(22, [3, 2, 3, 3]);
    const b = randomND(23, [3, 3, 3]);
    const l = new L.Conv2DLayer([null, 2, 5, 5], { numFilters: 3, filterSize: 3, untieBiases: true, nonlinearity: null, W: Float32Array.from(W.data), b: Float32Array.from(b.data) });
    expect(l.b!.shape).toEqual([3, 3, 3]);
    const v = x();
    const out = await run([v], l.getOutputFor(v), [input]); // a free-floating layer (built on a shape)
    const ref = refConv(input, W, { borderMode: 'valid' });
    expectClose(out, { data: ref.data.map((r, i) => r + b.data[i % 27]), shape: ref.shape }, 1e-4, 1e-5);
    expect(() => new L.Conv2DLayer([null, 2, null, 5], { numFilters: 3, filterSize: 3, untieBiases: true })).toThrow(/untied biases need a known output size/);
  });

  test('W shape (numFilters, channels, rows, cols); b (numFilters,); regularizable W only', () => {
    const l = new L.Conv2DLayer([null, 3, 10, 10], { numFilters: 16, filterSize: [5, 3], name: 'conv1' });
    expect(l.W.shape).toEqual([16, 3, 5, 3]);
    expect(l.b!.shape).toEqual([16]);
    expect(l.W.name).toBe('conv1.W');
    expect(l.b!.name).toBe('conv1.b');
    expect(l.getParams({ regularizable: true })).toEqual([l.W]);
    expect(l.getParams({ trainable: true })).toEqual([l.W, l.b]);
  });
});

describe('Conv2DLayer gradients', () => {
  test('d(sum(G · conv))/dW and /dx against the float64 reference, every pad mode × stride', async () => {
    const input = randomND(61, [2, 3, 7, 6]);
    const W = randomND(62, [4, 3, 3, 3], 0.5);
    const pads: [L.ConvPad, BorderMode][] = [['valid', 'valid'], ['full', 'full'], ['same', 'half'], [2, 2]];
    for (const [pad, mode] of pads) {
      for (const stride of [1, 2, 3]) {
        const v = x();
        const l = new L.Conv2DLayer(new L.InputLayer([null, 3, 7, 6], { inputVar: v }), { numFilters: 4, filterSize: 3, stride, pad, W: Float32Array.from(W.data), b: null, nonlinearity: null });
        const outShape = [2, ...l.outputShape.slice(1)] as number[];
        const G = randomND(63 + stride, outShape);
        const cost = sum(mul(L.getOutput(l), constant({ data: Float32Array.from(G.data), shape: outShape })));
        const [gW, gx] = grad(cost, [l.W, v]);
        const fn = compile([v], [gW, gx]);
        const [rw, rx] = await call(fn, { data: Float32Array.from(input.data), shape: input.shape }) as { data: Float32Array; shape: number[] }[];
        const opts = { borderMode: mode, subsample: [stride, stride] as [number, number] };
        expectClose({ data: Float64Array.from(rw.data), shape: rw.shape }, conv2dGradWeight(input, G, W.shape, opts), 1e-4, 1e-4);
        expectClose({ data: Float64Array.from(rx.data), shape: rx.shape }, conv2dGradInput(G, W, input.shape, opts), 1e-4, 1e-4);
      }
    }
  });
});
