import { compile, matrix, OptionsError, ready, scalar, shared, ShapeError, tensor, tensor4, vector } from '@lasagne-ts/core';
import { defaultNormAxes, normConstraint, sgd, totalNormConstraint } from '../src';
import { call, value } from '../../core/test/calls';

beforeAll(() => ready());

/** L2 norms of a row-major array over all axes but `keep` (one norm per index of `keep`), in float64. */
function norms(data: ArrayLike<number>, shape: number[], normAxes: number[]): Map<string, number> {
  const out = new Map<string, number>();
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let off = 0; off < data.length; off++) {
    const idx = shape.map((d, i) => Math.floor(off / strides[i]) % d);
    const key = idx.map((v, i) => (normAxes.includes(i) ? '*' : v)).join(',');
    out.set(key, (out.get(key) ?? 0) + data[off] ** 2);
  }
  for (const [k, v] of out) out.set(k, Math.sqrt(v));
  return out;
}

describe('normConstraint (Lasagne\'s norm_constraint)', () => {
  test('default norm axes by rank: 2-d [0], 3/4/5-d all but 0, others none', () => {
    expect(defaultNormAxes(2)).toEqual([0]);
    expect(defaultNormAxes(3)).toEqual([1, 2]);
    expect(defaultNormAxes(4)).toEqual([1, 2, 3]);
    expect(defaultNormAxes(5)).toEqual([1, 2, 3, 4]);
    expect(defaultNormAxes(1)).toBeUndefined();
    expect(defaultNormAxes(6)).toBeUndefined();
  });

  test('2-d (dense W): each column is rescaled to norm <= maxNorm, exactly as the formula', async () => {
    // columns: [3, 4] (norm 5), [0.3, 0.4] (norm 0.5)
    const W = [[3, 0.3], [4, 0.4]];
    const x = matrix('W');
    const f = compile([x], normConstraint(x, 1));
    const out = (await call(f, W)).toArray() as number[][];
    const eps = 1e-7;
    expect(out[0][0]).toBeCloseTo((3 * 1) / (eps + 5), 6);
    expect(out[1][0]).toBeCloseTo((4 * 1) / (eps + 5), 6);
    // under the limit: scaled by norm / (eps + norm), i.e. unchanged up to epsilon
    expect(out[0][1]).toBeCloseTo((0.3 * 0.5) / (eps + 0.5), 7);
    expect(out[1][1]).toBeCloseTo((0.4 * 0.5) / (eps + 0.5), 7);
  });

  test.each([[2], [3]])('%i-d random param: after the constrained update, every norm <= maxNorm (Lasagne\'s test)', async (ndim) => {
    const shape = Array.from({ length: ndim }, () => 25);
    const n = shape.reduce((a, b) => a * b, 1);
    let s = 1;
    const data = Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 4);
    const param = shared({ data, shape }, { name: 'W' });
    await call(compile([], [], { updates: [[param, normConstraint(param, 0.01)]] }));
    const ns = norms((await value(param)).data, shape, defaultNormAxes(ndim)!);
    for (const v of ns.values()) expect(v).toBeLessThanOrEqual(0.01 * (1 + 1e-5));
    expect(Math.max(...ns.values())).toBeGreaterThan(0.0099);
  });

  test('4-d conv W: one norm per filter (axes 1, 2, 3); explicit normAxes override', async () => {
    const x = tensor4('W');
    const data = Float32Array.from({ length: 2 * 2 * 2 * 2 }, (_, i) => i + 1);
    const shape = [2, 2, 2, 2];
    const out = await call(compile([x], normConstraint(x, 2)), { data, shape });
    const ns = norms(out.data, shape, [1, 2, 3]);
    expect([...ns.values()].map((v) => Number(v.toFixed(5)))).toEqual([2, 2]);
    const out2 = await call(compile([x], normConstraint(x, 2, { normAxes: [0, 2] })), { data, shape });
    const ns2 = norms(out2.data, shape, [0, 2]);
    expect(ns2.size).toBe(4);
    for (const v of ns2.values()) expect(v).toBeCloseTo(2, 5);
  });

  test('ranks without a default need normAxes', () => {
    expect(() => normConstraint(vector('v'), 1)).toThrow(ShapeError);
    expect(() => normConstraint(tensor('float32', [1, 2, 3, 4, 5, 6], 'x'), 1)).toThrow(/Unsupported tensor dimensionality 6/i);
    expect(() => normConstraint(vector('v'), 1, { normAxes: [0] })).not.toThrow();
  });

  test('maxNorm and epsilon are validated', () => {
    expect(() => normConstraint(matrix('W'), -1)).toThrow(OptionsError);
    expect(() => normConstraint(matrix('W'), 1, { epsilon: -1 })).toThrow(/epsilon must be >= 0/);
  });

  test('works on an update (max-norm regularisation)', async () => {
    const W = shared({ data: [3, 0, 4, 0], shape: [2, 2] }, { name: 'W' });
    const u = sgd([shared({ data: [-3, 0, -4, 0], shape: [2, 2] })], [W], 1); // W + [[3,0],[4,0]] = [[6,0],[8,0]]
    u.set(W, normConstraint(u.get(W)!, 5));
    await call(compile([], [], { updates: u }));
    const w = Array.from((await value(W)).data);
    expect(w[0]).toBeCloseTo(3, 5);
    expect(w[2]).toBeCloseTo(4, 5);
  });
});

describe('totalNormConstraint (Lasagne\'s total_norm_constraint)', () => {
  test('Lasagne\'s test: a scalar and a 3x3 matrix rescaled to total norm 5; returnNorm gives the norm before', async () => {
    const x1 = scalar('x1');
    const x2 = matrix('x2');
    const scaled1 = totalNormConstraint([x1, x2], 5);
    const [scaled2, norm] = totalNormConstraint([x1, x2], 5, { returnNorm: true });
    const f1 = compile([x1, x2], scaled1);
    const f2 = compile([x1, x2], [...scaled2, norm]);
    const X2 = [[0, 1, 2], [3, 4, 5], [6, 7, 8]];
    const [a1, b1] = await call(f1, 9, X2);
    const [a2, b2, n] = await call(f2, 9, X2);
    expect(a1).toBeCloseTo(a2, 6);
    expect(Array.from(b1.data)).toEqual(Array.from(b2.data));
    const total = Math.sqrt(Array.from({ length: 10 }, (_, i) => i * i).reduce((a, b) => a + b));
    expect(n).toBeCloseTo(total, 4);
    const outNorm = Math.sqrt(a1 ** 2 + Array.from(b1.data as Float32Array).reduce((s, v) => s + v * v, 0));
    expect(outNorm).toBeCloseTo(5, 5);
    // each tensor is multiplied by clip(norm, 0, 5) / (1e-7 + norm)
    expect(a1).toBeCloseTo((9 * 5) / (1e-7 + total), 5);
  });

  test('below the threshold the tensors are (almost exactly) unchanged', async () => {
    const x = vector('x');
    const [y] = totalNormConstraint([x], 10);
    const out = await call(compile([x], y), [0.3, 0.4]);
    expect(out.data[0]).toBeCloseTo(0.3, 6);
    expect(out.data[1]).toBeCloseTo(0.4, 6);
  });

  test('validation', () => {
    expect(() => totalNormConstraint([], 1)).toThrow(/non-empty/);
    expect(() => totalNormConstraint([vector('x')], -1)).toThrow(OptionsError);
    expect(() => totalNormConstraint([vector('x')], 1, { returnNorms: true } as object)).toThrow(/returnNorms/);
  });
});
