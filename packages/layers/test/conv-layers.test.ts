/**
 * Conv1DLayer, TransposedConv2DLayer (Deconv2DLayer), DilatedConv2DLayer and Conv2DLayer's
 * numGroups: forward against core's float64 reference convolutions, gradients by finite
 * differences, shapes with null sizes, typed errors.
 */
import { OptionsError, ShapeError, compile, dim, tensor, tensor3, tensor4, type HostTensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { conv2d as refConv, conv2dGradInput, dilatedConv2d, reshape as refReshape, type BorderMode } from '../../core/test/reference';
import { checkLayerGrad, expectClose, f32, mapND, randomND, run, type NDArray } from './helpers';
import { call } from '../../core/test/calls';

/** Adds b[f] (or b[f, ...] when untied) to y[n, f, ...] and applies f elementwise. */
function biasAct(y: NDArray, b: NDArray, untied: boolean, act: (v: number) => number = (v) => v): NDArray {
  const [N, F] = y.shape;
  const rest = y.data.length / (N * F);
  return mapND(y, (v, i) => act(v + b.data[untied ? i % (F * rest) : Math.floor(i / rest) % F]));
}

describe('Conv1DLayer', () => {
  const cases: [string, L.ConvPad, number, boolean, boolean][] = [
    ['valid, stride 1', 'valid', 1, true, false],
    ['pad 2, stride 2, no flip', 2, 2, false, false],
    ['same', 'same', 1, true, true],
    ['full, stride 3', 'full', 3, true, false],
  ];
  test.each(cases)('%s: conv2d reference on a unit row axis, + bias, tanh; gradients', async (_n, pad, stride, flip, untie) => {
    const xv = randomND(1, [1, 3, 11]);
    const Wv = randomND(2, [4, 3, 3]);
    const x = tensor3('x');
    const l = new L.Conv1DLayer(new L.InputLayer([null, 3, 11], { inputVar: x }), { numFilters: 4, filterSize: 3, stride, pad, flipFilters: flip, untieBiases: untie, W: Float32Array.from(Wv.data), b: (s) => ({ data: Float32Array.from(randomND(3, s).data), shape: s }), nonlinearity: L.tanh });
    const bm: BorderMode = pad === 'same' ? [0, 1] : pad === 'full' ? [0, 2] : pad === 'valid' ? [0, 0] : [0, pad as number];
    const y = refConv(refReshape(xv, [1, 3, 1, 11]), refReshape(Wv, [4, 3, 1, 3]), { borderMode: bm, subsample: [1, stride], filterFlip: flip });
    const expected = biasAct(refReshape(y, [1, 4, y.shape[3]]), randomND(3, l.b!.shape as number[]), untie, Math.tanh);
    expect(l.outputShape).toEqual([null, 4, expected.shape[2]]);
    expectClose(await run([x], L.getOutput(l), [xv]), expected, 1e-5, 1e-5);
    await checkLayerGrad(l, x, randomND(4, [1, 3, 11]));
  });
  test('shapes (null length), W (numFilters, channels, size), errors', () => {
    const l = new L.Conv1DLayer([null, 3, null], { numFilters: 5, filterSize: 4, pad: 1 });
    expect(l.outputShape).toEqual([null, 5, null]);
    expect(l.W.shape).toEqual([5, 3, 4]);
    expect(L.getOutputShape(l, new Map([[null, [7, 3, 20]]]))).toEqual([7, 5, 19]);
    expect(() => new L.Conv1DLayer([null, 3, 10, 10], { numFilters: 2, filterSize: 3 })).toThrow(/expected a 3-d input/);
    expect(() => new L.Conv1DLayer([null, 3, 10], { numFilters: 2, filterSize: 4, pad: 'same' })).toThrow(/odd filter/);
    expect(() => new L.Conv1DLayer([null, 3, 10], { numFilters: 2, filterSize: [3, 3] })).toThrow(OptionsError);
    expect(() => new L.Conv1DLayer([null, 3, 2], { numFilters: 2, filterSize: 3 })).toThrow(ShapeError);
    expect(() => new L.Conv1DLayer([null, 3, 10], { numFilters: 2, filterSize: 3, pad: 'half' } as never)).toThrow(OptionsError);
  });
});

describe('TransposedConv2DLayer', () => {
  const cases: [string, L.ConvPad, number, boolean, [number, number] | null][] = [
    ['crop 0, stride 1', 0, 1, false, null],
    ['crop 1, stride 2 (a 2x upsampling)', 1, 2, false, null],
    ['crop full, stride 2, flipFilters', 'full', 2, true, null],
    ['crop same, stride 2, outputSize one larger', 'same', 2, false, [8, 10]],
  ];
  test.each(cases)('%s: the transpose of the matching convolution (float64), + bias; gradients', async (_n, crop, stride, flip, outputSize) => {
    const xv = randomND(5, [1, 3, 4, 5]);
    const Wv = randomND(6, [3, 2, 3, 3]);
    const x = tensor4('x');
    const l = new L.TransposedConv2DLayer(new L.InputLayer([null, 3, 4, 5], { inputVar: x }), { numFilters: 2, filterSize: 3, stride, crop, flipFilters: flip, outputSize, W: Float32Array.from(Wv.data), b: [0.5, -0.25], nonlinearity: null });
    const p = crop === 'same' ? 1 : crop === 'full' ? 2 : (crop as number);
    const size = outputSize ?? [3 * stride - 2 * p + 3, 4 * stride - 2 * p + 3];
    expect(l.outputShape).toEqual([null, 2, ...size]);
    expect(l.W.shape).toEqual([3, 2, 3, 3]);
    const y = conv2dGradInput(xv, Wv, [1, 2, ...size], { borderMode: p, subsample: [stride, stride], filterFlip: !flip });
    expectClose(await run([x], L.getOutput(l), [xv]), biasAct(y, { data: Float64Array.from([0.5, -0.25]), shape: [2] }, false), 1e-5, 1e-5);
    await checkLayerGrad(l, x, xv);
    // A Conv2DLayer with the same options maps the output back to the input's shape.
    expect(new L.Conv2DLayer(l, { numFilters: 3, filterSize: 3, stride, pad: crop, flipFilters: !flip }).outputShape).toEqual([null, 3, 4, 5]);
  });
  test('outputSize given symbolically (e.g. the size of an earlier feature map): unknown static size, run-time size', async () => {
    const x = tensor4('x');
    const skip = tensor4('skip');
    const l = new L.TransposedConv2DLayer(new L.InputLayer([null, 3, 4, 5], { inputVar: x }), { numFilters: 2, filterSize: 3, stride: 2, crop: 1, outputSize: [dim(skip, 2), dim(skip, 3)] });
    expect(l.outputShape).toEqual([null, 2, null, null]);
    const f = compile([x, skip], L.getOutput(l));
    expect((await call(f, f32(randomND(12, [1, 3, 4, 5])), f32(randomND(13, [1, 1, 8, 10]))) as HostTensor).shape).toEqual([1, 2, 8, 10]);
    expect((await call(f, f32(randomND(12, [1, 3, 4, 5])), f32(randomND(13, [1, 1, 7, 9]))) as HostTensor).shape).toEqual([1, 2, 7, 9]);
    expect(() => new L.TransposedConv2DLayer([null, 3, 4, 5], { numFilters: 2, filterSize: 3, outputSize: [dim(skip, 2), dim(skip, 3)], untieBiases: true })).toThrow(/untied biases/);
    expect(() => new L.TransposedConv2DLayer([null, 3, 4, 5], { numFilters: 2, filterSize: 3, outputSize: [6, 7, 8] })).toThrow(OptionsError);
  });

  test('Deconv2DLayer is the same class; null sizes; untied biases; errors', async () => {
    expect(L.Deconv2DLayer).toBe(L.TransposedConv2DLayer);
    const l = new L.Deconv2DLayer([null, 8, null, 7], { numFilters: 3, filterSize: 4, stride: 2, crop: 1 });
    expect(l).toBeInstanceOf(L.TransposedConv2DLayer);
    expect(l.outputShape).toEqual([null, 3, null, 14]);
    expect(l.crop).toEqual([1, 1]);
    expect(L.getOutputShape(l, new Map([[null, [2, 8, 5, 7]]]))).toEqual([2, 3, 10, 14]);
    const x = tensor4('x');
    const out = await run([x], L.getOutput(l, new Map([[null, x]])), [randomND(7, [1, 8, 5, 7])]);
    expect(out.shape).toEqual([1, 3, 10, 14]);
    expect(new L.TransposedConv2DLayer([null, 2, 3, 3], { numFilters: 2, filterSize: 2, untieBiases: true }).b!.shape).toEqual([2, 4, 4]);
    expect(() => new L.TransposedConv2DLayer([null, 2, 3, 3], { numFilters: 2, filterSize: 2, pad: 1 } as never)).toThrow(OptionsError);
    expect(() => new L.TransposedConv2DLayer([null, 2, 3, 3], { numFilters: 2, filterSize: 2, crop: 'same' })).toThrow(/odd filter/);
    expect(() => new L.TransposedConv2DLayer([null, 2, 3], { numFilters: 2, filterSize: 2 })).toThrow(/4-d input/);
    expect(() => new L.TransposedConv2DLayer([null, 2, 3, 3], { numFilters: 2, filterSize: 2, crop: 3 })).toThrow(ShapeError);
  });
});

describe('DilatedConv2DLayer', () => {
  test.each([[1], [2], [[3, 2]]] as (number | [number, number])[][])('dilation %j: the float64 dilated cross-correlation, + bias, tanh; gradients', async (dilation) => {
    const xv = randomND(8, [1, 2, 9, 7]);
    const Wv = randomND(9, [2, 3, 3, 2]);
    const x = tensor4('x');
    const l = new L.DilatedConv2DLayer(new L.InputLayer([null, 2, 9, 7], { inputVar: x }), { numFilters: 3, filterSize: [3, 2], dilation, W: Float32Array.from(Wv.data), b: [0.1, 0.2, -0.3], nonlinearity: L.tanh });
    const d: [number, number] = typeof dilation === 'number' ? [dilation, dilation] : dilation;
    // W is (channels, filters, ...): the forward filters are its transpose.
    const wT = { data: new Float64Array(Wv.data.length), shape: [3, 2, 3, 2] };
    for (let c = 0; c < 2; c++) for (let f = 0; f < 3; f++) for (let k = 0; k < 6; k++) wT.data[(f * 2 + c) * 6 + k] = Wv.data[(c * 3 + f) * 6 + k];
    const expected = biasAct(dilatedConv2d(xv, wT, d, false), { data: Float64Array.from([0.1, 0.2, -0.3]), shape: [3] }, false, Math.tanh);
    expect(l.outputShape).toEqual([null, 3, 9 - 2 * d[0], 7 - d[1]]);
    expectClose(await run([x], L.getOutput(l), [xv]), expected, 1e-5, 1e-5);
    await checkLayerGrad(l, x, xv);
  });
  test('shapes and Lasagne\'s restrictions (pad 0, flipFilters false)', () => {
    const l = new L.DilatedConv2DLayer([null, 4, null, 10], { numFilters: 2, filterSize: 3, dilation: [1, 3] });
    expect(l.outputShape).toEqual([null, 2, null, 4]);
    expect(l.W.shape).toEqual([4, 2, 3, 3]);
    expect(() => new L.DilatedConv2DLayer([null, 4, 9, 9], { numFilters: 2, filterSize: 3, pad: 1 })).toThrow(/requires pad 0.*PadLayer/);
    expect(() => new L.DilatedConv2DLayer([null, 4, 9, 9], { numFilters: 2, filterSize: 3, flipFilters: true })).toThrow(/flipFilters: false/);
    expect(() => new L.DilatedConv2DLayer([null, 4, 9, 9], { numFilters: 2, filterSize: 3, stride: 2 } as never)).toThrow(OptionsError);
    expect(() => new L.DilatedConv2DLayer([null, 4, 4, 9], { numFilters: 2, filterSize: 3, dilation: 2 })).toThrow(ShapeError);
  });
});

describe('Conv2DLayer numGroups', () => {
  test('each group of channels is convolved with its own filters (float64 per group); gradients', async () => {
    const xv = randomND(10, [1, 4, 5, 4]);
    const Wv = randomND(11, [6, 2, 3, 3]);
    const x = tensor4('x');
    const l = new L.Conv2DLayer(new L.InputLayer([null, 4, 5, 4], { inputVar: x }), { numFilters: 6, filterSize: 3, pad: 1, numGroups: 2, W: Float32Array.from(Wv.data), b: null, nonlinearity: null });
    expect(l.W.shape).toEqual([6, 2, 3, 3]);
    const part = (a: NDArray, axis: 0 | 1, lo: number, n: number): NDArray => {
      const shape = a.shape.map((d, i) => (i === axis ? n : d));
      const inner = a.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
      const outer = a.shape.slice(0, axis).reduce((p, d) => p * d, 1);
      const data = new Float64Array(outer * n * inner);
      for (let o = 0; o < outer; o++) data.set(a.data.subarray((o * a.shape[axis] + lo) * inner, (o * a.shape[axis] + lo + n) * inner), o * n * inner);
      return { data, shape };
    };
    const g0 = refConv(part(xv, 1, 0, 2), part(Wv, 0, 0, 3), { borderMode: 1 });
    const g1 = refConv(part(xv, 1, 2, 2), part(Wv, 0, 3, 3), { borderMode: 1 });
    const out = await run([x], L.getOutput(l), [xv]);
    expectClose(part(out, 1, 0, 3), g0, 1e-5, 1e-5);
    expectClose(part(out, 1, 3, 3), g1, 1e-5, 1e-5);
    await checkLayerGrad(l, x, xv);
  });
  test('numGroups must divide channels and filters', () => {
    expect(() => new L.Conv2DLayer([null, 4, 6, 6], { numFilters: 6, filterSize: 3, numGroups: 3 })).toThrow(/numGroups 3 must divide/);
    expect(() => new L.Conv2DLayer([null, 4, 6, 6], { numFilters: 5, filterSize: 3, numGroups: 2 })).toThrow(OptionsError);
    expect(() => new L.Conv2DLayer([null, 4, 6, 6], { numFilters: 4, filterSize: 3, numGroups: 0 })).toThrow(OptionsError);
    expect(new L.Conv2DLayer(tensor('float32', [null, 4, 6, 6]).shape, { numFilters: 4, filterSize: 3, numGroups: 4 }).W.shape).toEqual([4, 1, 3, 3]);
  });
});
