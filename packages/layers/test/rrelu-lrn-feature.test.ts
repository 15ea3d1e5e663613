/**
 * RandomizedRectifierLayer / rrelu, LocalResponseNormalization2DLayer, FeaturePoolLayer and
 * FeatureWTALayer: forward against float64 loops, gradients by finite differences, shapes with
 * null sizes, typed errors.
 */
import { HostTensor, OptionsError, ShapeError, compile, matrix, mean, setSeed, shared, tensor3, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { checkLayerGrad, expectClose, mapND, randomND, run, type NDArray } from './helpers';
import { call } from '../../core/test/calls';

describe('RandomizedRectifierLayer', () => {
  test('deterministic: leakiness (lower + upper) / 2; gradients', async () => {
    const xv = randomND(1, [3, 4, 2]);
    const x = tensor3('x');
    const l = new L.RandomizedRectifierLayer(new L.InputLayer([null, 4, 2], { inputVar: x }), { lower: 0.1, upper: 0.5 });
    expectClose(await run([x], L.getOutput(l, { deterministic: true }), [xv]), mapND(xv, (v) => (v > 0 ? v : 0.3 * v)), 1e-6, 1e-6);
    await checkLayerGrad(l, x, xv);
  });
  test('training: a fresh U(lower, upper) slope per (sample, channel) by default, shared over the other axes; positives pass', async () => {
    setSeed(3);
    const x = tensor4('x');
    const l = new L.RandomizedRectifierLayer(new L.InputLayer([null, 3, 4, 5], { inputVar: x }), { lower: 0.2, upper: 0.6, sharedAxes: [2, 3] });
    const f = compile([x], L.getOutput(l));
    const neg = { data: new Float32Array(8 * 3 * 20).fill(-1), shape: [8, 3, 4, 5] };
    const a = await call(f, neg) as HostTensor;
    const slopes = new Set<number>();
    for (let nc = 0; nc < 24; nc++) {
      const s = -a.data[nc * 20];
      expect(s).toBeGreaterThanOrEqual(0.2);
      expect(s).toBeLessThanOrEqual(0.6);
      for (let k = 1; k < 20; k++) expect(a.data[nc * 20 + k]).toBe(a.data[nc * 20]);
      slopes.add(s);
    }
    expect(slopes.size).toBeGreaterThan(20);
    const b = await call(f, neg) as HostTensor;
    expect(Array.from(b.data)).not.toEqual(Array.from(a.data));
    const pos = await call(f, { data: new Float32Array(8 * 3 * 20).fill(2), shape: [8, 3, 4, 5] }) as HostTensor;
    expect(new Set(pos.data)).toEqual(new Set([2]));
  });
  test("default sharedAxes 'auto': one slope per feature, shared over the batch; mean slope ≈ (lower + upper) / 2", async () => {
    setSeed(4);
    const x = matrix('x');
    const l = new L.RandomizedRectifierLayer(new L.InputLayer([null, 500], { inputVar: x }));
    const out = await call(compile([x], mean(L.getOutput(l))), { data: new Float32Array(4 * 500).fill(-1), shape: [4, 500] }) as number;
    expect(Math.abs(-out - 0.55)).toBeLessThan(0.03);
  });
  test('symbolic bounds; lower > upper is an error; rrelu moves the nonlinearity', async () => {
    const lo = shared(0.1, { name: 'lo' });
    const x = matrix('x');
    const l = new L.RandomizedRectifierLayer(new L.InputLayer([null, 3], { inputVar: x }), { lower: lo, upper: 0.3 });
    expectClose(await run([x], L.getOutput(l, { deterministic: true }), [{ data: Float64Array.from([-1, 1, -2]), shape: [1, 3] }]), { data: Float64Array.from([-0.2, 1, -0.4]), shape: [1, 3] }, 1e-6, 1e-7);
    expect(() => new L.RandomizedRectifierLayer([null, 3], { lower: 0.5, upper: 0.4 })).toThrow(OptionsError);
    const d = new L.DenseLayer([null, 4], { numUnits: 2 });
    const r = L.rrelu(d);
    expect(r).toBeInstanceOf(L.RandomizedRectifierLayer);
    expect(d.nonlinearity).toBe(L.identity);
  });
});

describe('LocalResponseNormalization2DLayer', () => {
  const lrnRef = (x: NDArray, alpha: number, k: number, beta: number, n: number): NDArray => {
    const [N, C, H, W] = x.shape;
    const hw = H * W;
    return mapND(x, (v, i) => {
      const c = Math.floor(i / hw) % C;
      const base = i - c * hw;
      let s = 0;
      for (let j = Math.max(0, c - Math.floor(n / 2)); j <= Math.min(C - 1, c + Math.floor(n / 2)); j++) s += x.data[base + j * hw] ** 2;
      void N;
      return v / (k + alpha * s) ** beta;
    });
  };
  test.each([
    [{}, 1e-4, 2, 0.75, 5],
    [{ alpha: 0.5, k: 1, beta: 0.5, n: 3 }, 0.5, 1, 0.5, 3],
  ] as [L.LocalResponseNormalization2DLayerOptions, number, number, number, number][])('%j: x / (k + alpha·Σ neighbours²)^beta (float64); gradients', async (o, alpha, k, beta, n) => {
    const xv = randomND(5, [2, 6, 2, 3], 2);
    const x = tensor4('x');
    const l = new L.LocalResponseNormalization2DLayer(new L.InputLayer([null, null, 2, 3], { inputVar: x }), o);
    expect(l.outputShape).toEqual([null, null, 2, 3]);
    expectClose(await run([x], L.getOutput(l), [xv]), lrnRef(xv, alpha, k, beta, n), 1e-5, 1e-6);
    await checkLayerGrad(l, x, xv);
  });
  test('even n, non-4-d input are errors', () => {
    expect(() => new L.LocalResponseNormalization2DLayer([null, 6, 2, 2], { n: 4 })).toThrow(/odd/);
    expect(() => new L.LocalResponseNormalization2DLayer([null, 6, 2], {})).toThrow(ShapeError);
  });
});

describe('FeaturePoolLayer', () => {
  test('max over groups of poolSize adjacent features (maxout), any axis; gradients', async () => {
    const xv = randomND(6, [2, 6, 3]);
    const x = tensor3('x');
    const l = new L.FeaturePoolLayer(new L.InputLayer([null, 6, 3], { inputVar: x }), { poolSize: 3 });
    expect(l.outputShape).toEqual([null, 2, 3]);
    const ref = { data: new Float64Array(12), shape: [2, 2, 3] };
    for (let n = 0; n < 2; n++) for (let g = 0; g < 2; g++) for (let p = 0; p < 3; p++) ref.data[(n * 2 + g) * 3 + p] = Math.max(...[0, 1, 2].map((j) => xv.data[(n * 6 + g * 3 + j) * 3 + p]));
    expectClose(await run([x], L.getOutput(l), [xv]), ref);
    await checkLayerGrad(l, x, xv);
    const m = new L.FeaturePoolLayer(new L.InputLayer([null, 6, 3], { inputVar: x }), { poolSize: 3, axis: -1, poolFunction: (t, a) => mean(t, a) });
    expect(m.outputShape).toEqual([null, 6, 1]);
    expectClose(await run([x], L.getOutput(m), [xv]), mapND({ data: new Float64Array(12), shape: [2, 6, 1] }, (_, i) => (xv.data[i * 3] + xv.data[i * 3 + 1] + xv.data[i * 3 + 2]) / 3), 1e-6, 1e-6);
  });
  test('features not a multiple of poolSize, unknown feature count, bad axis', () => {
    expect(() => new L.FeaturePoolLayer([null, 7], { poolSize: 2 })).toThrow(/not a multiple of the pool size/);
    expect(() => new L.FeaturePoolLayer([null, null], { poolSize: 2 })).toThrow(ShapeError);
    expect(() => new L.FeaturePoolLayer([null, 4], { poolSize: 2, axis: 2 })).toThrow(/out of range/);
  });
});

describe('FeatureWTALayer', () => {
  test('keeps the largest of each group of poolSize features, zeros the rest; gradients', async () => {
    const xv = randomND(7, [3, 8]);
    const x = matrix('x');
    const l = new L.FeatureWTALayer(new L.InputLayer([null, 8], { inputVar: x }), { poolSize: 4 });
    expect(l.outputShape).toEqual([null, 8]);
    const ref = mapND(xv, (v, i) => {
      const g = i - (i % 4);
      return v === Math.max(...[0, 1, 2, 3].map((j) => xv.data[g + j])) ? v : 0;
    });
    expectClose(await run([x], L.getOutput(l), [xv]), ref);
    await checkLayerGrad(l, x, xv);
  });
  test('along another axis of a 4-d input; errors', async () => {
    const xv = randomND(8, [2, 3, 4, 2]);
    const x = tensor4('x');
    const l = new L.FeatureWTALayer(new L.InputLayer([null, 3, 4, null], { inputVar: x }), { poolSize: 2, axis: 2 });
    const out = await run([x], L.getOutput(l), [xv]);
    for (let i = 0; i < xv.data.length; i++) {
      const pos = Math.floor(i / 2) % 4;
      const partner = i + (pos % 2 === 0 ? 2 : -2);
      expect(out.data[i]).toBeCloseTo(xv.data[i] >= xv.data[partner] ? xv.data[i] : 0, 6);
    }
    expect(() => new L.FeatureWTALayer([null, 6], { poolSize: 4 })).toThrow(OptionsError);
  });
});
