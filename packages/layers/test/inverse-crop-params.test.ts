/**
 * InverseLayer, cropping on ConcatLayer / ElemwiseSumLayer / ElemwiseMergeLayer (Lasagne's
 * autocrop), parameters given as expressions of shared variables (unwrapShared), and the
 * batch_norm_stat tags.
 */
import { GraphError, OptionsError, ShapeError, compile, constant, dot, grad, matrix, maximum, mul, shared, sum, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { conv2dGradInput } from '../../core/test/reference';
import { checkLayerGrad, expectClose, f32, randomND, run, type NDArray } from './helpers';
import { call, value } from '../../core/test/calls';

describe('InverseLayer', () => {
  test('of a dense layer: the gradient of its output given the incoming values (y·Wᵀ for a linear layer); gradients', async () => {
    const x = matrix('x');
    const Wv = randomND(1, [4, 3]);
    const inp = new L.InputLayer([null, 4], { inputVar: x });
    const dense = new L.DenseLayer(inp, { numUnits: 3, W: Float32Array.from(Wv.data), nonlinearity: null });
    const inv = new L.InverseLayer(dense, dense);
    expect(inv.outputShape).toEqual([null, 4]);
    const xv = randomND(2, [2, 4]);
    const out = await run([x], L.getOutput(inv), [xv]);
    // d(sum(y · dense(x)))/dx with y = dense(x): (x·W)·Wᵀ
    const y = Array.from({ length: 6 }, (_, k) => [0, 1, 2, 3].reduce((a, i) => a + xv.data[Math.floor(k / 3) * 4 + i] * Wv.data[i * 3 + (k % 3)], 0));
    const ref = { data: Float64Array.from({ length: 8 }, (_, k) => [0, 1, 2].reduce((a, j) => a + y[Math.floor(k / 4) * 3 + j] * Wv.data[(k % 4) * 3 + j], 0)), shape: [2, 4] };
    expectClose(out, ref, 1e-5, 1e-5);
    await checkLayerGrad(inv, x, xv);
  });
  test('of a convolution: a transposed convolution of the incoming values (float64 conv2dGradInput)', async () => {
    const x = tensor4('x');
    const Wv = randomND(3, [2, 1, 3, 3]);
    const conv = new L.Conv2DLayer(new L.InputLayer([null, 1, 5, 5], { inputVar: x }), { numFilters: 2, filterSize: 3, W: Float32Array.from(Wv.data), b: null, nonlinearity: null });
    const g = tensor4('g');
    const inv = new L.InverseLayer(new L.InputLayer([null, 2, 3, 3], { inputVar: g }), conv);
    expect(inv.outputShape).toEqual([null, 1, 5, 5]);
    const gv = randomND(4, [1, 2, 3, 3]);
    const fn = compile([g, x], L.getOutput(inv), { onUnusedInput: 'ignore' });
    const out = await call(fn, f32(gv), f32(randomND(5, [1, 1, 5, 5])));
    expectClose(toNDv(out), conv2dGradInput(gv, Wv, [1, 1, 5, 5], { borderMode: 'valid' }), 1e-5, 1e-5);
  });
  test('of max pooling: the values routed back to the maxima (unpooling)', async () => {
    const x = tensor4('x');
    const pool = new L.MaxPool2DLayer(new L.InputLayer([null, 1, 2, 4], { inputVar: x }), { poolSize: 2 });
    const inv = new L.InverseLayer(pool, pool);
    const out = await run([x], L.getOutput(inv), [{ data: Float64Array.from([1, 5, 2, 0, 3, 4, 7, 1]), shape: [1, 1, 2, 4] }]);
    expectClose(out, { data: Float64Array.from([0, 5, 0, 0, 0, 0, 7, 0]), shape: [1, 1, 2, 4] });
  });
  test('a layer with no single incoming layer cannot be inverted', () => {
    const a = new L.InputLayer([null, 2]);
    expect(() => new L.InverseLayer(a, a)).toThrow(GraphError);
    expect(() => new L.InverseLayer(a, new L.DenseLayer([null, 2], { numUnits: 2 }))).toThrow(/no incoming layer/);
    expect(() => new L.InverseLayer(a, new L.ConcatLayer([a, a]))).toThrow(/several incoming layers/);
  });
});

describe('cropping (autocrop) on merge layers', () => {
  const a = randomND(6, [2, 3, 5, 6]);
  const b = randomND(7, [2, 4, 3, 4]);
  /** x[:, :, r0:r0+3, c0:c0+4] */
  const crop = (x: NDArray, r0: number, c0: number): NDArray => {
    const [N, C, H, W] = x.shape;
    const out = { data: new Float64Array(N * C * 12), shape: [N, C, 3, 4] };
    for (let nc = 0; nc < N * C; nc++) for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) out.data[(nc * 3 + r) * 4 + c] = x.data[(nc * H + r0 + r) * W + c0 + c];
    return out;
  };
  const concatC = (p: NDArray, q: NDArray): NDArray => {
    const out = { data: new Float64Array(p.data.length + q.data.length), shape: [2, 7, 3, 4] };
    for (let n = 0; n < 2; n++) {
      out.data.set(p.data.subarray(n * 36, (n + 1) * 36), n * 84);
      out.data.set(q.data.subarray(n * 48, (n + 1) * 48), n * 84 + 36);
    }
    return out;
  };
  test.each([
    ['lower', 0, 0],
    ['center', 1, 1],
    ['upper', 2, 2],
  ] as ['lower' | 'center' | 'upper', number, number][])("ConcatLayer cropping %s: static shapes, values; null sizes cropped at run time", async (mode, r0, c0) => {
    const x = tensor4('x');
    const y = tensor4('y');
    const cropping = [null, null, mode, mode];
    const l = new L.ConcatLayer([new L.InputLayer([null, 3, 5, 6], { inputVar: x }), new L.InputLayer([null, 4, 3, 4], { inputVar: y })], { cropping });
    expect(l.outputShape).toEqual([null, 7, 3, 4]);
    const fn = compile([x, y], L.getOutput(l));
    const expected = concatC(crop(a, r0, c0), crop(b, 0, 0));
    expectClose(toNDv(await call(fn, f32(a), f32(b))), expected);
    const u = new L.ConcatLayer([new L.InputLayer([null, 3, null, 6], { inputVar: x }), new L.InputLayer([null, 4, 3, null], { inputVar: y })], { cropping });
    expect(u.outputShape).toEqual([null, 7, null, null]);
    expectClose(toNDv(await call(compile([x, y], L.getOutput(u)), f32(a), f32(b))), expected);
  });
  test('ElemwiseSumLayer and ElemwiseMergeLayer with cropping; gradients flow to the cropped inputs', async () => {
    const x = tensor4('x');
    const y = tensor4('y');
    const b3 = randomND(8, [2, 3, 3, 4]);
    const ins = [new L.InputLayer([null, 3, 5, 6], { inputVar: x }), new L.InputLayer([null, 3, 3, 4], { inputVar: y })];
    const s = new L.ElemwiseSumLayer(ins, { coeffs: [2, -1], cropping: [null, null, 'center', 'center'] });
    expect(s.outputShape).toEqual([null, 3, 3, 4]);
    const ca = crop(a, 1, 1);
    expectClose(toNDv(await call(compile([x, y], L.getOutput(s)), f32(a), f32(b3))), { data: ca.data.map((v, i) => 2 * v - b3.data[i]), shape: ca.shape });
    const m = new L.ElemwiseMergeLayer(ins, { mergeFunction: maximum, cropping: [null, null, 'lower', 'upper'] });
    const ml = crop(a, 0, 2);
    expectClose(toNDv(await call(compile([x, y], L.getOutput(m)), f32(a), f32(b3))), { data: ml.data.map((v, i) => Math.max(v, b3.data[i])), shape: ml.shape });
    const g = toNDv(await call(compile([x, y], grad(sum(L.getOutput(s)), x)), f32(a), f32(b3)));
    expect(Array.from(g.data).reduce((p, v) => p + v, 0)).toBe(2 * 2 * 3 * 12);
    expect(Array.from(g.data).filter((v) => v !== 0 && v !== 2)).toEqual([]);
  });
  test('without cropping sizes must match; unknown modes and rank mismatches are errors', () => {
    expect(() => new L.ConcatLayer([[null, 3, 5], [null, 3, 4]])).toThrow(ShapeError);
    expect(new L.ConcatLayer([[null, 3, 5], [null, 3, 4]], { cropping: [null, null, 'lower'] }).outputShape).toEqual([null, 6, 4]);
    expect(() => new L.ConcatLayer([[null, 3, 5], [null, 3, 4]], { cropping: [null, null, 'middle'] } as never)).toThrow(OptionsError);
    expect(() => new L.ElemwiseSumLayer([[null, 3, 5], [null, 3]], { cropping: ['lower'] })).toThrow(/same number of dimensions/);
  });
});

describe('parameters given as expressions of shared variables (unwrapShared)', () => {
  test('W = 2·V: the layer uses the expression; getParams unwraps to V (tags kept), unwrapShared: false gives the expression', async () => {
    const V = shared({ data: Float32Array.from(randomND(9, [3, 2]).data), shape: [3, 2] }, { name: 'V' });
    const W = mul(V, 2);
    const x = matrix('x');
    const l = new L.DenseLayer(new L.InputLayer([null, 3], { inputVar: x }), { numUnits: 2, W, b: null, nonlinearity: null });
    expect(l.W).toBe(W);
    expect(l.getParams()).toEqual([V]);
    expect(l.getParams({ trainable: true })).toEqual([V]);
    expect(l.getParams({ unwrapShared: false })).toEqual([W]);
    expect(L.getAllParams(l, { regularizable: true })).toEqual([V]);
    expect(L.getAllParams(l, { unwrapShared: false })).toEqual([W]);
    const xv = randomND(10, [2, 3]);
    const expected = await run([x], dot(x, mul(constant({ data: Float32Array.from((await value(V)).data), shape: [3, 2] }), 2)), [xv]);
    expectClose(await run([x], L.getOutput(l), [xv]), expected, 1e-6, 1e-6);
    await checkLayerGrad(l, x, xv);
  });
  test('an expression of the wrong rank or static shape is a ShapeError; parameters shared between two layers through an expression', () => {
    const V = shared({ data: new Float32Array(6), shape: [3, 2] }, { name: 'V' });
    expect(() => new L.DenseLayer([null, 3], { numUnits: 2, W: sum(V, 0) })).toThrow(/dimensions/);
    expect(() => new L.DenseLayer([null, 2], { numUnits: 3, W: mul(V, 1) })).toThrow(ShapeError);
    const l1 = new L.DenseLayer([null, 3], { numUnits: 2, W: V });
    const l2 = new L.DenseLayer(l1, { numUnits: 3, W: V.dimshuffle(1, 0) });
    expect(L.getAllParams(l2)).toEqual([V, l1.b, l2.b]);
  });
});

describe('BatchNormLayer batch_norm_stat tags', () => {
  test("mean and invStd carry 'batch_norm_stat' (not trainable, not regularizable); beta and gamma do not", () => {
    const bn = new L.BatchNormLayer([null, 4]);
    expect(bn.getParams({ batch_norm_stat: true })).toEqual([bn.mean, bn.invStd]);
    expect(bn.getParams({ batch_norm_stat: false })).toEqual([bn.beta, bn.gamma]);
    expect(bn.getParams({ trainable: true })).toEqual([bn.beta, bn.gamma]);
    expect([...bn.params.get(bn.mean)!].sort()).toEqual(['batch_norm_stat']);
    expect(L.getAllParams(L.batchNorm(new L.DenseLayer([null, 3], { numUnits: 4 })), { batch_norm_stat: true }).length).toBe(2);
  });
});

function toNDv(v: unknown): NDArray {
  const t = v as { data: ArrayLike<number>; shape: number[] };
  return { data: Float64Array.from(t.data, Number), shape: [...t.shape] };
}
