import { compile, grad, ivector, matrix, mean, OptionsError, ready, ShapeError, sigmoid, sum, tensor, vector } from '@lasagne-ts/core';
import { aggregate, binaryHingeLoss, huberLoss, multiclassHingeLoss, squaredError } from '../src';
import { expectClose, values } from './helpers';
import { call } from '../../core/test/calls';

beforeAll(() => ready());

test('squaredError: (a - b)²; a column against a vector is aligned', async () => {
  const a = vector('a');
  const b = vector('b');
  expectClose(await call(compile([a, b], squaredError(a, b)), [1, 2, -0.5], [3, -1, -0.5]), [4, 9, 0]);
  const col = tensor('float32', [null, 1], 'col');
  const out = await call(compile([col, b], squaredError(col, b)), [[1], [2]], [0, 0]);
  expect(out.shape).toEqual([2, 1]);
});

describe('huberLoss', () => {
  test('0.5 d² inside |d| <= delta, delta (|d| - delta / 2) outside (delta 1 and 2)', async () => {
    const p = vector('p');
    const t = vector('t');
    const d = [0.5, -1, 2, -3, 0];
    const zeros = d.map(() => 0);
    expectClose(await call(compile([p, t], huberLoss(p, t)), zeros, d), [0.125, 0.5, 1.5, 2.5, 0]);
    expectClose(await call(compile([p, t], huberLoss(p, t, { delta: 2 })), zeros, d), [0.125, 0.5, 2, 4, 0]);
  });

  test('gradient: d inside, delta·sign(d) outside', async () => {
    const p = vector('p');
    const t = vector('t');
    const g = await call(compile([p, t], grad(sum(huberLoss(p, t)), p)), [0.5, 3, -4], [0, 0, 0]);
    expectClose(g, [0.5, 1, -1]);
  });

  test('delta must be positive', () => {
    expect(() => huberLoss(vector('p'), vector('t'), { delta: 0 })).toThrow(OptionsError);
  });
});

describe('binaryHingeLoss', () => {
  const p = vector('p');
  const t = vector('t');
  test('log-odds, {0,1} targets: max(0, delta - p (2t - 1))', async () => {
    const f = compile([p, t], binaryHingeLoss(p, t, { logOdds: true }));
    expectClose(await call(f, [2, -0.5, 0.3, 0.3], [1, 0, 0, 1]), [0, 0.5, 1.3, 0.7]);
    const f2 = compile([p, t], binaryHingeLoss(p, t, { logOdds: true, delta: 0.5 }));
    expectClose(await call(f2, [2, -0.5, 0.3], [1, 0, 0]), [0, 0, 0.8]);
  });

  test('{-1, 1} targets with binary: false', async () => {
    const f = compile([p, t], binaryHingeLoss(p, t, { logOdds: true, binary: false }));
    expectClose(await call(f, [2, -0.5, 0.3], [1, -1, -1]), [0, 0.5, 1.3]);
  });

  test('probabilities with logOdds: false: log(p / (1 - p)) first', async () => {
    const f = compile([p, t], binaryHingeLoss(p, t, { logOdds: false }));
    expectClose(await call(f, [0.8, 0.8, 0.5], [1, 0, 1]), [0, 1 + Math.log(4), 1]);
  });

  test('logOdds: false on a sigmoid output uses its input: finite for extreme logits', async () => {
    const z = vector('z');
    const f = compile([z, t], binaryHingeLoss(sigmoid(z), t, { logOdds: false }));
    expectClose(await call(f, [100, -100, 0.5], [0, 0, 1]), [101, 0, 0.5]);
  });

  test('logOdds is required (Lasagne raises without it)', () => {
    expect(() => binaryHingeLoss(p, t, undefined as never)).toThrow(OptionsError);
    expect(() => binaryHingeLoss(p, t, {} as never)).toThrow(/logOdds is required/);
  });
});

describe('multiclassHingeLoss', () => {
  const P = [[0.1, 0.5, 0.4], [0.7, 0.2, 0.1], [0.3, 0.3, 0.4]];
  test('max(0, max_{j != y} p_j - p_y + delta), int targets and one-hot targets agree', async () => {
    const p = matrix('p');
    const y = ivector('y');
    const t = matrix('t');
    const f = compile([p, y], multiclassHingeLoss(p, y));
    expectClose(await call(f, P, Int32Array.from([2, 0, 0])), [1.1, 0.5, 1.1]);
    const g = compile([p, t], multiclassHingeLoss(p, t));
    expectClose(await call(g, P, [[0, 0, 1], [1, 0, 0], [1, 0, 0]]), [1.1, 0.5, 1.1]);
    const h = compile([p, y], multiclassHingeLoss(p, y, { delta: 0.05 }));
    expectClose(await call(h, P, Int32Array.from([2, 0, 0])), [0.15, 0, 0.15]);
  });

  test('gradient: +1 at the best wrong class, -1 at the target (rows with positive loss)', async () => {
    const p = matrix('p');
    const y = ivector('y');
    const g = await call(compile([p, y], grad(sum(multiclassHingeLoss(p, y, { delta: 0.05 })), p)), P.slice(0, 2), Int32Array.from([2, 0]));
    expectClose(g, [0, 1, -1, 0, 0, 0]);
  });

  test('rank errors', () => {
    expect(() => multiclassHingeLoss(vector('p'), ivector('y'))).toThrow(ShapeError);
    expect(() => multiclassHingeLoss(matrix('p'), tensor('float32', [null, null, null]))).toThrow(/rank mismatch/);
  });
});

describe('aggregate', () => {
  const l = vector('l');
  const w = vector('w');
  const L = [1, 2, 3, 4];
  const W = [1, 0, 1, 0.5];
  test.each([
    ['mean', undefined, 2.5],
    ['sum', undefined, 10],
    ['mean', W, (1 + 3 + 2) / 4],
    ['sum', W, 1 + 3 + 2],
    ['normalized_sum', W, (1 + 3 + 2) / 2.5],
  ] as const)('mode %s, weights %j', async (mode, weights, want) => {
    const out = weights ? (await call(compile([l, w], aggregate(l, { weights: w, mode })), L, weights)) : (await call(compile([l], aggregate(l, { mode })), L));
    expect(out).toBeCloseTo(want, 6);
  });

  test('default mode is mean; weights may be plain arrays', async () => {
    expect(await call(compile([l], aggregate(l)), L)).toBeCloseTo(2.5, 6);
    expect(await call(compile([l], aggregate(l, { weights: [1, 1, 0, 0], mode: 'normalized_sum' })), L)).toBeCloseTo(1.5, 6);
  });

  test('a matrix loss aggregates every element; the result is differentiable', async () => {
    const m = matrix('m');
    const loss = aggregate(squaredError(m, 0), { mode: 'mean' });
    expect(await call(compile([m], loss), [[1, 2], [3, 4]])).toBeCloseTo(7.5, 6);
    expectClose(await call(compile([m], grad(loss, m)), [[1, 2], [3, 4]]), [0.5, 1, 1.5, 2]);
  });

  test('invalid modes and normalized_sum without weights are clear errors', () => {
    expect(() => aggregate(l, { mode: 'normalized_sum' })).toThrow(/requires weights/);
    expect(() => aggregate(l, { mode: 'avg' as never })).toThrow(OptionsError);
    expect(() => aggregate(l, { mode: 'avg' as never })).toThrow(/mode must be 'mean', 'sum' or 'normalized_sum'/);
  });
});

void mean;
void values;
