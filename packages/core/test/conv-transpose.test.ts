/**
 * convTranspose2d (the transposed convolution), conv2d's filterDilation, pad and dilate: forward
 * against float64 loops, gradients against central differences, shapes and errors.
 */
import * as T from '@lasagne-ts/core';
import { compile, convTranspose2d, conv2d, dilate, pad, tensor, tensor4, matrix } from '@lasagne-ts/core';
import { conv2dGradInput, dilatedConv2d as dilatedConvRef, type NDArray, type BorderMode } from './reference';
import { checkOpGrad, expectClose, f32, rn, toND } from './helpers';
import { call } from './calls';

describe('convTranspose2d', () => {
  const cases: { name: string; x: number[]; w: number[]; bm: BorderMode; s: [number, number]; flip: boolean; out?: [number, number] }[] = [
    { name: 'valid, stride 1', x: [2, 3, 4, 5], w: [3, 2, 3, 3], bm: 'valid', s: [1, 1], flip: true },
    { name: 'pad 1, stride 2, no flip', x: [1, 2, 4, 3], w: [2, 3, 4, 4], bm: 1, s: [2, 2], flip: false },
    { name: 'full, stride (2, 1)', x: [2, 2, 5, 4], w: [2, 1, 2, 3], bm: 'full', s: [2, 1], flip: true },
    { name: 'half, stride 2, outputSize one larger', x: [1, 2, 3, 3], w: [2, 2, 3, 3], bm: 'half', s: [2, 2], flip: true, out: [6, 6] },
  ];
  test.each(cases)('$name: the transpose of conv2d (float64 conv2dGradInput) and its gradients', async ({ x: xs, w: ws, bm, s, flip, out }) => {
    const x = tensor4('x');
    const w = tensor4('w');
    const y = convTranspose2d(x, w, { borderMode: bm, subsample: s, filterFlip: flip, outputSize: out ?? null });
    const ref = ([xv, wv]: NDArray[]) => {
      const p = typeof bm === 'number' ? bm : bm === 'full' ? [ws[2] - 1, ws[3] - 1] : bm === 'half' ? [Math.floor(ws[2] / 2), Math.floor(ws[3] / 2)] : [0, 0];
      const pp = typeof p === 'number' ? [p, p] : p;
      const size = out ?? [(xs[2] - 1) * s[0] - 2 * pp[0] + ws[2], (xs[3] - 1) * s[1] - 2 * pp[1] + ws[3]];
      return conv2dGradInput(xv, wv, [xs[0], ws[1], ...size], { borderMode: bm, subsample: s, filterFlip: flip });
    };
    await checkOpGrad({ inputs: [x, w], values: [rn(1, xs), rn(2, ws)], output: y, ref, atol: 2e-3 });
  });

  test('static shapes, null sizes, outputSize checks, channel mismatch', async () => {
    const x = tensor('float32', [null, 4, 7, null]);
    const w = tensor('float32', [4, 3, 4, 4]);
    expect(convTranspose2d(x, w, { subsample: 2, borderMode: 1 }).shape).toEqual([null, 3, 14, null]);
    expect(convTranspose2d(x, w, { subsample: 2, borderMode: 1, outputSize: [15, 9] }).shape).toEqual([null, 3, 15, 9]);
    expect(() => convTranspose2d(x, w, { subsample: 2, borderMode: 1, outputSize: [16, 9] })).toThrow(/does not convolve back/);
    expect(() => convTranspose2d(x, tensor('float32', [3, 3, 4, 4]))).toThrow(T.ShapeError);
    expect(() => convTranspose2d(x, w, { borderMode: 'bogus' as never })).toThrow(T.OptionsError);
    // Run-time: the forward convolution of the output must give back the input.
    const f = compile([x], convTranspose2d(x, T.constant(f32(rn(3, [4, 3, 4, 4]))), { subsample: 2, borderMode: 1, outputSize: [15, 9] }));
    await expect(call(f, f32(rn(4, [1, 4, 7, 3])))).rejects.toThrow(/does not convolve back/);
    expect((await call(f, f32(rn(4, [1, 4, 7, 4]))) as T.HostTensor).shape).toEqual([1, 3, 15, 9]);
  });

});

describe('convTranspose2d with a symbolic outputSize', () => {
  test('int scalars as the output size: static shape unknown, values and gradients as with numbers', async () => {
    const x = tensor4('x');
    const w = tensor4('w');
    const oh = T.iscalar('oh');
    const y = convTranspose2d(x, w, { subsample: 2, borderMode: 1, outputSize: [oh, 9] });
    expect(y.shape).toEqual([null, null, null, 9]);
    const ws = [2, 3, 4, 4];
    await checkOpGrad({
      inputs: [x, w, oh],
      values: [rn(21, [1, 2, 3, 4]), rn(22, ws), { data: Float64Array.from([7]), shape: [] }],
      output: y,
      ref: ([xv, wv]) => conv2dGradInput(xv, wv, [1, 3, 7, 9], { borderMode: 1, subsample: [2, 2], filterFlip: true }),
    });
    const f = compile([x, w, oh], y);
    await expect(call(f, f32(rn(21, [1, 2, 3, 4])), f32(rn(22, ws)), 9)).rejects.toThrow(/does not convolve back/);
    expect(() => convTranspose2d(x, w, { outputSize: [T.scalar('f'), 3] })).toThrow(/int scalar/);
    expect(convTranspose2d(x, w, { outputSize: [T.constant(5, { dtype: 'int32' }), 3] }).shape).toEqual([null, null, 5, 3]);
  });
});

describe('conv2d filterDilation', () => {
  test.each([
    [[1, 1], true],
    [[2, 2], false],
    [[3, 2], true],
  ] as [[number, number], boolean][])('dilation %j, flip %s against the float64 dilated convolution; gradients', async (d, flip) => {
    const x = tensor4('x');
    const w = tensor4('w');
    const y = conv2d(x, w, { filterDilation: d, filterFlip: flip });
    await checkOpGrad({ inputs: [x, w], values: [rn(6, [2, 2, 9, 8]), rn(7, [3, 2, 3, 2])], output: y, ref: ([xv, wv]) => dilatedConvRef(xv, wv, d, flip) });
  });
  test('shapes and errors', () => {
    expect(conv2d(tensor('float32', [null, 2, 9, null]), tensor('float32', [3, 2, 3, 3]), { filterDilation: 2 }).shape).toEqual([null, 3, 5, null]);
    expect(() => conv2d(tensor4('x'), tensor4('w'), { filterDilation: 0 })).toThrow(T.OptionsError);
  });
});

describe('pad and dilate', () => {
  test('pad: values (NumPy constant pad) and gradient', async () => {
    const x = matrix('x');
    const out = toND(await call(compile([x], pad(x, [[1, 0], 2], 7)), [[1, 2], [3, 4]]));
    expectClose(out, [[7, 7, 7, 7, 7, 7], [7, 7, 1, 2, 7, 7], [7, 7, 3, 4, 7, 7]]);
    await checkOpGrad({ inputs: [x], values: [rn(8, [3, 4])], output: pad(x, [[2, 1], [0, 3]], -1) });
    expect(pad(tensor('float32', [null, 3]), 2).shape).toEqual([null, 7]);
    expect(() => pad(x, [1])).toThrow(T.ShapeError);
    expect(() => pad(x, -1)).toThrow(/non-negative/);
  });
  test('dilate: zeros between values, gradient reads every k-th entry', async () => {
    const x = matrix('x');
    const out = toND(await call(compile([x], dilate(x, [2, 3])), [[1, 2], [3, 4]]));
    expectClose(out, [[1, 0, 0, 2, 0, 0], [0, 0, 0, 0, 0, 0], [3, 0, 0, 4, 0, 0], [0, 0, 0, 0, 0, 0]]);
    await checkOpGrad({ inputs: [x], values: [rn(9, [3, 2])], output: dilate(x, [1, 3]) });
    expect(dilate(tensor('float32', [null, 3]), [2, 2]).shape).toEqual([null, 6]);
    expect(() => dilate(x, [0, 1])).toThrow(T.ShapeError);
  });
  test('dilate of a 5-d tensor, every axis (kernels of rank 4 at most: webgpu compiles no 5-d Pad)', async () => {
    const shape = [2, 1, 3, 2, 2], f = [2, 3, 1, 2, 3];
    const x = tensor('float32', shape, 'x');
    const xv = rn(10, shape);
    const outShape = shape.map((d, i) => d * f[i]);
    const want = new Float64Array(outShape.reduce((a, b) => a * b, 1));
    xv.data.forEach((v, k) => {
      let r = k, o = 0, stride = 1;
      const idx = shape.map(() => 0);
      for (let d = shape.length - 1; d >= 0; d--) (idx[d] = r % shape[d]), (r = Math.floor(r / shape[d]));
      for (let d = shape.length - 1; d >= 0; d--) (o += idx[d] * f[d] * stride), (stride *= outShape[d]);
      want[o] = v;
    });
    expectClose(toND(await call(compile([x], dilate(x, f)), f32(xv))), { data: want, shape: outShape });
  });
});
