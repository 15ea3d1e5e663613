/**
 * Second derivatives through the gradient ops that are linear in their incoming gradient
 * (SubtensorGrad, TakeGrad, AdvancedIndexGrad, SplitPart, IndexAxisGrad, Pool2DGrad and the
 * max-pool Pool2DGradGrad): the symbolic gradient of sum(grad(cost) · R) is compared with central
 * differences of the compiled first gradient.
 */
import * as T from '@lasagne-ts/core';
import { compile, constant, grad, matrix, tensor4, type SymbolicTensor } from '@lasagne-ts/core';
import { expectGradClose, numericGradAsync, vdot, type NDArray } from './reference';
import { f32, rn, toND } from './helpers';
import { call } from './calls';

type ST = SymbolicTensor;

/** Values at least `gap` apart in a random order (finite differences never cross a max tie). */
function distinct(seed: number, shape: number[], gap = 0.07): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rn(seed, [n]).data;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => r[a] - r[b]);
  const data = new Float64Array(n);
  order.forEach((k, rank) => (data[k] = Math.fround((rank - n / 2) * gap)));
  return { data, shape };
}

async function checkSecond(x: ST, xv: NDArray, cost: (x: ST) => ST, opts: { eps?: number; rtol?: number; atol?: number } = {}): Promise<void> {
  const g1 = grad(cost(x), x);
  const R = rn(7, [...xv.shape]);
  const hv = grad(T.sum(T.mul(g1, constant(f32(R)))), x);
  const g1fn = compile([x], g1);
  const analytic = toND(await call(compile([x], hv), f32(xv)) as T.OutputValue);
  const numeric = await numericGradAsync(async (v) => vdot(toND(await call(g1fn, { data: Float32Array.from(v), shape: [...xv.shape] }) as T.OutputValue), R), xv.data, opts.eps ?? 1e-2);
  expect(analytic.shape).toEqual(xv.shape);
  expectGradClose(analytic.data, numeric, { rtol: opts.rtol ?? 2e-2, atol: opts.atol ?? 2e-3, shape: xv.shape });
}

const cube = (e: ST) => T.sum(T.pow(e, 3));

describe('second derivatives through indexing', () => {
  const x = matrix('x');
  const xv = rn(3, [4, 5]);
  it('basic slicing (contiguous and strided): SubtensorGrad', async () => {
    await checkSecond(x, xv, (t) => cube(t.at(T.slice(1, 3), T.slice(null, null, 2))));
    await checkSecond(x, xv, (t) => T.add(cube(t.at(2)), cube(t.at(T.slice(0, 2)))));
  });
  it('take with repeated indices: TakeGrad', async () => {
    const idx = constant({ data: Int32Array.from([3, 0, 3, -1]), shape: [4] }, { dtype: 'int32' });
    await checkSecond(x, xv, (t) => cube(T.take(t, idx, 1)));
    await checkSecond(x, xv, (t) => cube(t.at(idx)));
  });
  it('advanced indexing p[i, j]: AdvancedIndexGrad', async () => {
    const i = constant({ data: Int32Array.from([0, 1, 3, 1]), shape: [4] }, { dtype: 'int32' });
    const j = constant({ data: Int32Array.from([4, 2, 0, 2]), shape: [4] }, { dtype: 'int32' });
    await checkSecond(x, xv, (t) => cube(t.at(i, j)));
  });
});

describe('second derivatives through concatenation and stacking', () => {
  const x = matrix('x');
  const xv = rn(4, [3, 4]);
  it('concatenate along either axis: SplitPart', async () => {
    await checkSecond(x, xv, (t) => cube(T.concatenate([t, T.tanh(t), t.at(T.slice(0, 1))], 0)));
    await checkSecond(x, xv, (t) => cube(T.concatenate([T.mul(t, 2), t], 1)));
  });
  it('stack: IndexAxisGrad', async () => {
    await checkSecond(x, xv, (t) => cube(T.stack([t, T.sigmoid(t)], 1)));
  });
});

describe('second derivatives through pooling', () => {
  const x = tensor4('x');
  const xv = distinct(5, [2, 2, 5, 6]);
  const cases: [string, T.Pool2DOptions][] = [
    ['max, tiling windows', { ws: 2 }],
    ['max, overlapping, padded', { ws: 3, stride: 2, pad: 1 }],
    ['max, ignoreBorder false', { ws: 2, ignoreBorder: false }],
    ['sum', { ws: 2, mode: 'sum' }],
    ['average_inc_pad, padded', { ws: 3, stride: 2, pad: 1, mode: 'average_inc_pad' }],
    ['average_exc_pad, ignoreBorder false', { ws: 2, ignoreBorder: false, mode: 'average_exc_pad' }],
  ];
  test.each(cases)('%s', async (_name, o) => {
    await checkSecond(x, xv, (t) => cube(T.pool2d(t, o)), { eps: 1e-2 });
  });
  it('third derivative through max pooling (Pool2DGradGrad is differentiable again)', async () => {
    const g1 = grad(cube(T.pool2d(x, { ws: 2 })), x);
    const g2 = grad(T.sum(T.mul(g1, g1)), x);
    const g3 = grad(T.sum(T.mul(g2, x)), x);
    expect(g3.shape).toEqual(x.shape);
    const out = toND(await call(compile([x], g3), f32(xv)) as T.OutputValue);
    expect(out.data.every(Number.isFinite)).toBe(true);
  });
});

describe('second derivatives through transposed and dilated convolutions', () => {
  const x = tensor4('x');
  const w = constant(f32(rn(11, [2, 3, 3, 3])));
  it('convTranspose2d (stride 2, pad 1)', async () => {
    await checkSecond(x, rn(12, [1, 2, 3, 4]), (t) => cube(T.convTranspose2d(t, w, { subsample: 2, borderMode: 1 })), { eps: 1e-2, atol: 5e-3 });
  });
  it('conv2d with filterDilation 2', async () => {
    await checkSecond(x, rn(13, [1, 2, 6, 7]), (t) => cube(T.conv2d(t, T.dimshuffle(w, [1, 0, 2, 3]), { filterDilation: 2 })), { eps: 1e-2, atol: 5e-3 });
  });
});
