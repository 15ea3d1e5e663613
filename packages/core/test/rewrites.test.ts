/** Graph rewrites, each on its own: merge, constant folding, stabilisation, transpose cancel,
 * dead code removal. Values are checked against hand or float64 values. */
import * as L from '@lasagne-ts/core';
import { compile, grad, matrix, vector, ivector } from '@lasagne-ts/core';
import { nd, softmax as softmaxRef } from './reference';
import { expectClose, toND } from './helpers';
import { call } from './calls';

const count = (ops: readonly string[], name: string) => ops.filter((o) => o === name).length;

describe('merge', () => {
  it('two identical subexpressions built separately are computed once', async () => {
    const x = matrix('x');
    const a = L.tanh(L.dot(x, x.T));
    const b = L.tanh(L.dot(x, x.T));
    expect(a).not.toBe(b);
    const f = compile([x], L.add(a, b));
    expect(count(f.ops, 'MatMul')).toBe(1);
    expect(count(f.ops, 'Tanh')).toBe(1);
    const g = compile([x], L.add(a, b), { rewrites: false });
    expect(count(g.ops, 'MatMul')).toBe(2);
    // Both compute 2 tanh(x x^T).
    const xv = [[1, 0.5], [0, -1]];
    const expected = [[2 * Math.tanh(1.25), 2 * Math.tanh(-0.5)], [2 * Math.tanh(-0.5), 2 * Math.tanh(1)]];
    expectClose(await call(f, xv), expected, 1e-6, 1e-6);
    expectClose(await call(g, xv), expected, 1e-6, 1e-6);
  });

  it('equal constants are shared, ops with different parameters are not merged', async () => {
    const x = vector('x');
    const f = compile([x], [L.add(L.mul(x, 2), L.mul(x, 2)), L.sum(x, 0), L.max(x, 0)], { rewrites: ['merge'] });
    expect(count(f.ops, 'Mul')).toBe(1);
    expect(count(f.ops, 'Sum')).toBe(1);
    expect(count(f.ops, 'Max')).toBe(1);
    const [y, s, m] = await call(f, [1, 2, 3]) as L.OutputValue[];
    expectClose(y, [4, 8, 12]);
    expect([s, m]).toEqual([6, 3]);
  });

  it('random draws are never merged', () => {
    const srng = new L.RandomStreams(1);
    const f = compile([], [srng.uniform([3]), srng.uniform([3])]);
    expect(count(f.ops, 'Random')).toBe(2);
  });
});

describe('constant folding', () => {
  it('a constant-only subexpression disappears from fn.ops', async () => {
    const x = vector('x');
    const c = L.exp(L.mul(L.constant([1, 2]), 0.5)); // constant-only
    const f = compile([x], L.add(x, c));
    expect(f.ops).toEqual(['Add']);
    expectClose(await call(f, [0, 0]), [Math.exp(0.5), Math.exp(1)], 1e-6, 1e-6);
    const g = compile([x], L.add(x, c), { rewrites: ['merge'] });
    expect(g.ops).toEqual(['Mul', 'Exp', 'Add']);
  });

  it('expressions of static sizes fold: arange(dim(x, 1)) with a known size', async () => {
    const x = L.tensor('float32', [2, 3], 'x');
    const f = compile([x], L.sum(L.arange(L.dim(x, 1))).astype('float32').add(L.sum(x)));
    expect(f.ops).toEqual(['Sum', 'Add']);
    expect(await call(f, [[1, 1, 1], [1, 1, 1]])).toBe(3 + 6);
  });

  it('folding a whole function leaves no ops', async () => {
    const f = compile([], L.sum(L.square(L.constant([3, 4]))));
    expect(f.ops).toEqual([]);
    expect(await call(f)).toBe(25);
  });
});

describe('stabilisation', () => {
  it('categorical crossentropy of softmax with extreme logits is finite in value and gradient', async () => {
    const x = matrix('x');
    const y = ivector('y');
    const p = L.softmax(x);
    const nll = L.neg(L.mean(L.log(p).at(L.arange(x.symShape().at(0)), y)));
    const f = compile([x, y], [nll, grad(nll, x)]);
    const [loss, g] = await call(f, [[1000, -1000], [-1000, 1000]], Int32Array.from([1, 1])) as [number, L.HostTensor];
    // Row 0 misclassified by 2000 nats, row 1 right: mean 1000.
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(1000, 3);
    expect(Array.from(g.data).every(Number.isFinite)).toBe(true);
    // d/dx = (softmax - onehot) / n
    expectClose(g, [[0.5, -0.5], [0, 0]], 1e-6, 1e-7);
  });

  it('crossentropy written with a one-hot target matrix: -sum(t * log(softmax(x)))', async () => {
    const x = matrix('x');
    const t = matrix('t');
    const cost = L.neg(L.sum(L.mul(t, L.log(L.softmax(x)))));
    const f = compile([x, t], [cost, grad(cost, x)]);
    const [c, g] = await call(f, [[1000, -1000, 0]], [[0, 1, 0]]) as [number, L.HostTensor];
    expect(c).toBeCloseTo(2000, 2);
    expectClose(g, [[1, -1, 0]], 1e-6, 1e-7);
  });

  it('log(sigmoid(x)) and log(1 - sigmoid(x)) stay finite at x = +-200', async () => {
    const x = vector('x');
    const ls = L.log(L.sigmoid(x));
    const l1s = L.log(L.sub(1, L.sigmoid(x)));
    const f = compile([x], [ls, l1s, grad(L.sum(ls), x), grad(L.sum(l1s), x)]);
    const [a, b, ga, gb] = await call(f, [-200, 0, 200]) as L.HostTensor[];
    // log sigmoid(x) = -softplus(-x); log(1 - sigmoid(x)) = -softplus(x)
    expectClose(a, [-200, -Math.LN2, 0], 1e-6, 1e-6);
    expectClose(b, [0, -Math.LN2, -200], 1e-6, 1e-6);
    expectClose(ga, [1, 0.5, 0], 1e-6, 1e-7); // 1 - sigmoid(x)
    expectClose(gb, [0, -0.5, -1], 1e-6, 1e-7); // -sigmoid(x)
  });

  it('the compile-time pass stabilises log(softmax) assembled through givens', async () => {
    const p = matrix('p');
    const z = matrix('z');
    const out = L.log(p); // built over a plain input: not stabilised yet
    expect(out.owner?.op.name).toBe('Log');
    const f = compile([z], out, { givens: [[p, L.softmax(z)]] });
    expect(f.ops).toContain('LogSoftmax');
    expect(f.ops).not.toContain('Log');
    const unstable = compile([z], out, { givens: [[p, L.softmax(z)]], rewrites: false });
    expect(unstable.ops).toContain('Log');
    const zv = [[1000, -1000, 0]];
    expectClose(await call(f, zv), [[0, -2000, -1000]], 1e-6, 1e-6);
    const bad = toND(await call(unstable, zv));
    expect(bad.data[1]).toBe(-Infinity);
    // Moderate values agree with the float64 reference either way.
    const zm = [[0.5, -1, 2]];
    const ref = softmaxRef(nd(zm.flat(), [1, 3]));
    expectClose(await call(f, zm), { data: ref.data.map(Math.log), shape: [1, 3] }, 1e-5, 1e-6);
  });

  it('the compile-time pass stabilises log(sigmoid) assembled through givens', async () => {
    const s = vector('s');
    const x = vector('x');
    const f = compile([x], L.log(s), { givens: [[s, L.sigmoid(x)]] });
    expect(f.ops).not.toContain('Log');
    expectClose(await call(f, [-200]), [-200], 1e-6);
  });
});

describe('transpose cancel', () => {
  it('x.T.T compiles to no DimShuffle', async () => {
    const x = matrix('x');
    const f = compile([x], L.exp(x.T.T));
    expect(f.ops).toEqual(['Exp']);
    expectClose(await call(f, [[0, 1]]), [[1, Math.E]], 1e-6);
    expect(compile([x], L.exp(x.T.T), { rewrites: false }).ops).toEqual(['DimShuffle', 'DimShuffle', 'Exp']);
  });

  it('consecutive dimshuffles compose into one', async () => {
    const x = L.tensor3('x');
    const y = L.transpose(L.transpose(x, [1, 2, 0]), [1, 0, 2]).dimshuffle(0, 'x', 1, 2);
    const f = compile([x], y);
    expect(count(f.ops, 'DimShuffle')).toBe(1);
    // x (2,3,4) -> (3,4,2) -> (4,3,2) -> (4,1,3,2): out[a,0,b,c] = x[c,b,a]
    const data = Float32Array.from({ length: 24 }, (_, i) => i);
    const out = await call(f, { data, shape: [2, 3, 4] }) as L.HostTensor;
    expect(out.shape).toEqual([4, 1, 3, 2]);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) expect(out.get(a, 0, b, c)).toBe(c * 12 + b * 4 + a);
  });
});

describe('dead code removal', () => {
  it('expressions built but not needed by the outputs are never run', () => {
    const x = vector('x');
    const unused = L.exp(L.dot(x, x));
    void unused;
    const y = L.add(x, 1);
    const f = compile([x], y);
    expect(f.ops).toEqual(['Add']);
  });

  it('forward nodes built by grad but not needed are not run (the Pow gradient w.r.t. a constant exponent)', async () => {
    const x = vector('x');
    // The gradient graph of a cost builds forward nodes it does not use (the Pow grad w.r.t. the exponent).
    const cost = L.sum(L.pow(x, 3));
    const g = grad(cost, x);
    const f = compile([x], g);
    expect(f.ops).not.toContain('Log');
    expectClose(await call(f, [1, 2]), [3, 12]);
  });
});

describe('the rewrite table', () => {
  it('compile({rewrites}) names passes from REWRITES, runs them in the order given, and rejects unknown names', () => {
    expect(Object.keys(L.REWRITES).sort()).toEqual(['argmaxPushdown', 'constantFold', 'crossentropySoftmax', 'dnnlLayout', 'fuseConv', 'fuseDense', 'fuseElemwise', 'merge', 'stabilize', 'transposeCancel']);
    expect(L.DEFAULT_REWRITES.every((n) => n in L.REWRITES)).toBe(true);
    const x = vector('x');
    const y = L.add(L.exp(x), L.exp(x));
    expect(compile([x], y, { rewrites: ['merge'] }).ops).toEqual(['Exp', 'Add']);
    expect(() => compile([x], y, { rewrites: ['cse' as L.RewriteName] })).toThrow(/unknown rewrite 'cse'; the rewrites are merge, stabilize, transposeCancel, constantFold, fuseConv/);
  });

  it('isElemwise recognises a node by the function that built it, as the API spells it', () => {
    const x = vector('x');
    expect(L.isElemwise(L.square(x).owner?.op, L.square)).toBe(true);
    expect(L.isElemwise(L.square(x).owner?.op, L.sqrt)).toBe(false);
    expect(L.isElemwise(L.where(L.gt(x, 0), x, 1).owner?.op, L.where)).toBe(true);
    expect(L.isElemwise(L.log(x).owner?.op, L.log)).toBe(true);
    expect(L.isElemwise(L.log(L.sigmoid(x)).owner?.op, L.log)).toBe(false); // built as -softplus(-x)
    expect(L.isElemwise(x.owner?.op, L.add)).toBe(false);
  });
});
