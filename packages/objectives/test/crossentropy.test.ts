import { compile, constant, debugprint, DTypeError, grad, ivector, matrix, mean, ready, ShapeError, sigmoid, softmax, tensor, tensor3, vector } from '@lasagne-ts/core';
import { binaryCrossentropy, categoricalCrossentropy } from '../src';
import { expectClose, values } from './helpers';
import { call } from '../../core/test/calls';

beforeAll(() => ready());

const log = Math.log;

describe('categoricalCrossentropy', () => {
  const P = [[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]];

  test('int class indices: -log p[i, t_i]', async () => {
    const p = matrix('p');
    const y = ivector('y');
    const f = compile([p, y], categoricalCrossentropy(p, y));
    expectClose(await call(f, P, Int32Array.from([2, 0])), [-log(0.5), -log(0.7)], 6);
  });

  test('a negative or too large class index is an error (as Theano and PyTorch), not the last class', async () => {
    const p = tensor('float32', [null, 3], 'p');
    const y = ivector('y');
    const f = compile([p, y], categoricalCrossentropy(p, y));
    await expect(call(f, P, Int32Array.from([2, -1]))).rejects.toThrow(ShapeError);
    await expect(call(f, P, Int32Array.from([2, -1]))).rejects.toThrow('categoricalCrossentropy: target -1 (item 1) is not a class index in [0, 3)');
    await expect(call(f, P, Int32Array.from([3, 0]))).rejects.toThrow('target 3 (item 0) is not a class index in [0, 3)');
    // Unknown class count at build time: negatives are still caught.
    const q = matrix('q');
    const g = compile([q, y], categoricalCrossentropy(q, y));
    await expect(call(g, P, Int32Array.from([-2, 0]))).rejects.toThrow('target -2 (item 0) is not a class index (negative)');
    // The softmax form keeps its stable gradient with the check in place.
    const x = matrix('x');
    const loss = mean(categoricalCrossentropy(softmax(x), y));
    const gx = await call(compile([x, y], grad(loss, [x])[0]), [[0, 0, 200], [0, 0, 0]], Int32Array.from([0, 1]));
    expect(values(gx).every(Number.isFinite)).toBe(true);
  });

  test('one-hot or probability rows: -Σ_j t_ij log p_ij', async () => {
    const p = matrix('p');
    const t = matrix('t');
    const f = compile([p, t], categoricalCrossentropy(p, t));
    expectClose(await call(f, P, [[0, 0, 1], [0.5, 0.5, 0]]), [-log(0.5), -(0.5 * log(0.7) + 0.5 * log(0.2))], 6);
  });

  test('3-d predictions with matching targets sum over the last axis', async () => {
    const p = tensor3('p');
    const t = tensor3('t');
    const out = await call(compile([p, t], categoricalCrossentropy(p, t)), [[[0.25, 0.75]], [[0.5, 0.5]]], [[[0, 1]], [[1, 0]]]);
    expect(out.shape).toEqual([2, 1]);
    expectClose(out, [-log(0.75), -log(0.5)], 6);
  });

  // x = logits in float32 where softmax underflows to exactly 0 for some classes
  const X = [[1000, 0, -1000], [0, 0, 0], [-50, 50, 0], [88, -88, 0]];
  const Y = [2, 1, 0, 1];
  // -log softmax(x)[t] = logsumexp(x) - x_t, in float64
  const lse = (r: number[]) => {
    const m = Math.max(...r);
    return m + log(r.reduce((s, v) => s + Math.exp(v - m), 0));
  };
  const expected = X.map((r, i) => lse(r) - r[Y[i]]); // [2000, log 3, 100, 176]

  test('extreme logits: softmax underflows, the loss stays finite and exact (stable log-softmax form)', async () => {
    const x = matrix('x');
    const y = ivector('y');
    const p = softmax(x);
    // the problem is real: p[0, 2] is exactly 0 in float32
    expect(values(await call(compile([x], p), X))[2]).toBe(0);
    const loss = categoricalCrossentropy(p, y);
    const f = compile([x, y], loss);
    const out = values(await call(f, X, Int32Array.from(Y)));
    out.forEach((v, i) => {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeCloseTo(expected[i], 3);
    });
    expect(f.ops).toContain('CrossentropySoftmax1Hot'); // logsumexp(x) - x[y] in one pass (Theano's crossentropy_softmax_1hot)
    expect(f.ops).not.toContain('Log');
  });

  test('extreme logits with one-hot targets: finite and exact too', async () => {
    const x = matrix('x');
    const t = matrix('t');
    const onehot = Y.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));
    const out = values(await call(compile([x, t], categoricalCrossentropy(softmax(x), t)), X, onehot));
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
  });

  test('extreme logits: the gradient is finite and equals (softmax(x) - onehot) / n', async () => {
    const x = matrix('x');
    const y = ivector('y');
    const loss = mean(categoricalCrossentropy(softmax(x), y));
    const g = values(await call(compile([x, y], grad(loss, x)), X, Int32Array.from(Y)));
    X.forEach((r, i) => {
      const m = lse(r);
      r.forEach((v, j) => {
        const want = (Math.exp(v - m) - (j === Y[i] ? 1 : 0)) / X.length;
        expect(Number.isFinite(g[i * 3 + j])).toBe(true);
        expect(g[i * 3 + j]).toBeCloseTo(want, 6);
      });
    });
  });

  test('wrong targets are clear errors', () => {
    expect(() => categoricalCrossentropy(matrix('p'), vector('y'))).toThrow(DTypeError);
    expect(() => categoricalCrossentropy(tensor3('p'), ivector('y'))).toThrow(ShapeError);
    expect(() => categoricalCrossentropy(matrix('p'), tensor3('t'))).toThrow(/vector of class indices or a matrix/);
  });

  test('the class-index check is keyed by its loss and class count (merged only when both agree)', () => {
    const p = tensor('float32', [null, 10], 'p');
    const y = ivector('y');
    const label = debugprint(categoricalCrossentropy(p, y), { printShapes: false }).split('\n').find((l) => l.includes('ClassIndexCheck'));
    expect(label).toMatch(/ClassIndexCheck\{loss=categoricalCrossentropy, nClasses=10\}/);
    const f = compile([p, y], [mean(categoricalCrossentropy(p, y)), mean(categoricalCrossentropy(p, y))], { rewrites: ['merge'] });
    expect(f.ops.filter((o) => o === 'ClassIndexCheck')).toHaveLength(1);
    const q = tensor('float32', [null, 5], 'q');
    const g = compile([p, q, y], [mean(categoricalCrossentropy(p, y)), mean(categoricalCrossentropy(q, y))], { rewrites: ['merge'] });
    expect(g.ops.filter((o) => o === 'ClassIndexCheck')).toHaveLength(2);
  });
});

describe('binaryCrossentropy', () => {
  test('-(t log p + (1 - t) log(1 - p))', async () => {
    const p = vector('p');
    const t = vector('t');
    const f = compile([p, t], binaryCrossentropy(p, t));
    expectClose(await call(f, [0.9, 0.2, 0.6], [1, 0, 0.25]), [-log(0.9), -log(0.8), -(0.25 * log(0.6) + 0.75 * log(0.4))], 6);
  });

  test('int targets work (upcast)', async () => {
    const p = vector('p');
    const t = ivector('t');
    expectClose(await call(compile([p, t], binaryCrossentropy(p, t)), [0.9, 0.2], Int32Array.from([1, 0])), [-log(0.9), -log(0.8)], 6);
  });

  test('extreme logits through a sigmoid: finite (softplus form), and so is the gradient', async () => {
    const z = vector('z');
    const t = vector('t');
    const Z = [100, -100, 30, -30, 0];
    const T = [0, 1, 1, 0, 1];
    const loss = binaryCrossentropy(sigmoid(z), t);
    // sigmoid(100) is exactly 1 in float32: log(1 - p) would be -Infinity
    expect(values(await call(compile([z], sigmoid(z)), Z))[0]).toBe(1);
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    const want = Z.map((v, i) => (T[i] ? softplus(-v) : softplus(v))); // [100, 100, ~1e-13, ~1e-13, log 2]
    expectClose(await call(compile([z, t], loss), Z, T), want, 4);
    const g = values(await call(compile([z, t], grad(mean(loss), z)), Z, T));
    g.forEach((v, i) => expect(v).toBeCloseTo((1 / (1 + Math.exp(-Z[i])) - T[i]) / Z.length, 6));
  });

  test('a column of predictions with a vector of targets is aligned (no (n, n) broadcast)', async () => {
    const p = tensor('float32', [null, 1], 'p');
    const t = vector('t');
    const out = await call(compile([p, t], binaryCrossentropy(p, t)), [[0.9], [0.2]], [1, 0]);
    expect(out.shape).toEqual([2, 1]);
    expectClose(out, [-log(0.9), -log(0.8)], 6);
  });

  test('accepts plain values', async () => {
    expectClose(await call(compile([], binaryCrossentropy(constant([0.5]), [1]))), [log(2)], 6);
  });
});
