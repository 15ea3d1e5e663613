/** Elementwise ops: forward against float64 JS math, gradients against central differences. */
import * as L from '@lasagne-ts/core';
import { compile, grad, tensor, vector, matrix, ivector, iscalar, scalar, bvector } from '@lasagne-ts/core';
import { nd, randu, rng, type NDArray } from './reference';
import { bmap, checkOpGrad, expectClose, f32, rn } from './helpers';
import { call } from './calls';

type ST = L.SymbolicTensor;

/** Keeps values at least `gap` away from zero (for kinks at 0: abs, relu, sign). */
const awayFromZero = (a: NDArray, gap = 0.1): NDArray => ({ data: a.data.map((v) => Math.fround(v + Math.sign(v || 1) * gap)), shape: a.shape });
const positive = (seed: number, shape: number[], lo = 0.5, hi = 2): NDArray => randu(rng(seed), shape, lo, hi);

const sigm = (v: number) => 1 / (1 + Math.exp(-v));

interface UnaryCase {
  name: string;
  op: (x: ST) => ST;
  ref: (v: number) => number;
  data: (seed: number, shape: number[]) => NDArray;
}

const unary: UnaryCase[] = [
  { name: 'neg', op: L.neg, ref: (v) => -v, data: rn },
  { name: 'exp', op: L.exp, ref: Math.exp, data: rn },
  { name: 'log', op: L.log, ref: Math.log, data: positive },
  { name: 'log1p', op: L.log1p, ref: Math.log1p, data: positive },
  { name: 'sqrt', op: L.sqrt, ref: Math.sqrt, data: positive },
  { name: 'abs', op: L.abs, ref: Math.abs, data: (s, sh) => awayFromZero(rn(s, sh)) },
  { name: 'square', op: L.square, ref: (v) => v * v, data: rn },
  { name: 'sigmoid', op: L.sigmoid, ref: sigm, data: (s, sh) => rn(s, sh, 3) },
  { name: 'tanh', op: L.tanh, ref: Math.tanh, data: (s, sh) => rn(s, sh, 2) },
  { name: 'relu', op: L.relu, ref: (v) => Math.max(v, 0), data: (s, sh) => awayFromZero(rn(s, sh)) },
  { name: 'softplus', op: L.softplus, ref: (v) => Math.log1p(Math.exp(v)), data: (s, sh) => rn(s, sh, 3) },
  { name: 'sign', op: L.sign, ref: Math.sign, data: (s, sh) => awayFromZero(rn(s, sh)) },
];

describe('unary elementwise ops', () => {
  unary.forEach((c, k) => {
    it(`${c.name}: forward and gradient`, async () => {
      const x = matrix('x');
      const xv = c.data(10 + k, [3, 4]);
      await checkOpGrad({ inputs: [x], values: [xv], output: c.op(x), ref: ([a]) => ({ data: a.data.map(c.ref), shape: a.shape }), label: c.name });
    });
  });

  it('method forms match the functions', async () => {
    const x = vector('x');
    const f = compile([x], [x.neg(), x.exp(), x.square(), x.abs(), x.sigmoid(), x.tanh()]);
    const v = [-1.5, 0.25, 2];
    const outs = await call(f, v) as L.HostTensor[];
    const refs = [(a: number) => -a, Math.exp, (a: number) => a * a, Math.abs, sigm, Math.tanh];
    outs.forEach((o, i) => expectClose(o, nd(v.map(refs[i]))));
  });
});

interface BinaryCase {
  name: string;
  op: (a: ST, b: ST) => ST;
  ref: (a: number, b: number) => number;
  a: (seed: number, shape: number[]) => NDArray;
  b: (seed: number, shape: number[]) => NDArray;
}

const binary: BinaryCase[] = [
  { name: 'add', op: L.add, ref: (a, b) => a + b, a: rn, b: rn },
  { name: 'sub', op: L.sub, ref: (a, b) => a - b, a: rn, b: rn },
  { name: 'mul', op: L.mul, ref: (a, b) => a * b, a: rn, b: rn },
  { name: 'div', op: L.div, ref: (a, b) => a / b, a: rn, b: positive },
  { name: 'pow', op: L.pow, ref: Math.pow, a: positive, b: rn },
  { name: 'maximum', op: L.maximum, ref: Math.max, a: rn, b: rn },
  { name: 'minimum', op: L.minimum, ref: Math.min, a: rn, b: rn },
];

// (shape of a, shape of b): same shape, and broadcasting in both directions with a rank change.
const shapePairs: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[3, 1, 4], [2, 4]],
  [[1, 4], [3, 1]],
  [[2, 3], []],
];

describe('binary elementwise ops with broadcasting', () => {
  binary.forEach((c, k) => {
    shapePairs.forEach(([sa, sb], j) => {
      it(`${c.name} ${JSON.stringify(sa)} with ${JSON.stringify(sb)}: forward and gradients (summed over broadcast axes)`, async () => {
        const a = tensor('float32', sa, 'a');
        const b = tensor('float32', sb, 'b');
        const av = c.a(100 + 10 * k + j, sa);
        const bv = c.b(200 + 10 * k + j, sb);
        await checkOpGrad({ inputs: [a, b], values: [av, bv], output: c.op(a, b), ref: ([x, y]) => bmap([x, y], c.ref), label: c.name });
      });
    });
  });

  it('the gradient of a broadcast operand is the output gradient summed over the broadcast axes (hand check)', async () => {
    // d/db sum((a + b) * R) with a (2, 3), b (3,) is sum over rows of R.
    const a = matrix('a');
    const b = vector('b');
    const R = [[1, 2, 3], [10, 20, 30]];
    const cost = L.sum(L.mul(L.add(a, b), L.constant(R)));
    const [ga, gb] = await call(compile([a, b], grad(cost, [a, b])), [[0, 0, 0], [0, 0, 0]], [0, 0, 0]) as L.HostTensor[];
    expectClose(ga, R);
    expectClose(gb, [11, 22, 33]);
    // A (2, 1) operand sums over the broadcast column axis, keeping it.
    const c = tensor('float32', [2, 1], 'c');
    const gc = await call(compile([a, c], grad(L.sum(L.mul(L.mul(a, c), L.constant(R))), c)), [[1, 1, 1], [2, 2, 2]], [[5], [7]]);
    expectClose(gc, [[6], [120]]);
  });

  it('an unknown-size operand broadcast against a scalar gets a full-size gradient', async () => {
    const x = matrix('x');
    const s = scalar('s');
    const [gx, gs] = await call(compile([x, s], grad(L.sum(L.mul(x, s)), [x, s])), [[1, 2], [3, 4]], 3) as [L.HostTensor, number];
    expectClose(gx, [[3, 3], [3, 3]]);
    expect(gs).toBeCloseTo(10, 5);
  });
});

describe('where / clip / maximum gradients', () => {
  it('where(cond, a, b) picks elementwise and routes the gradient to the chosen branch', async () => {
    const c = bvector('c');
    const a = vector('a');
    const b = matrix('b');
    const out = L.where(c, a, b);
    const cv = [true, false, true];
    const f = compile([c, a, b], out);
    expectClose(await call(f, cv, [1, 2, 3], [[10, 20, 30], [40, 50, 60]]), [[1, 20, 3], [1, 50, 3]]);
    // Gradients: a gets the column sums where c is true (broadcast over the 2 rows), b where false.
    const R = L.constant([[1, 2, 3], [4, 5, 6]]);
    const [ga, gb] = await call(compile([c, a, b], grad(L.sum(L.mul(out, R)), [a, b])), cv, [1, 2, 3], [[0, 0, 0], [0, 0, 0]]) as L.HostTensor[];
    expectClose(ga, [5, 0, 9]);
    expectClose(gb, [[0, 2, 0], [0, 5, 0]]);
  });

  it('where with a float condition and the T.switch alias; gradient check', async () => {
    const x = vector('x');
    const out = L.T.switch(L.gt(x, 0), L.mul(x, x), L.mul(x, -3));
    const xv = awayFromZero(rn(7, [6]));
    await checkOpGrad({ inputs: [x], values: [xv], output: out, ref: ([a]) => ({ data: a.data.map((v) => (v > 0 ? v * v : -3 * v)), shape: a.shape }) });
  });

  it('clip: forward, and the gradient flows only where lo <= x <= hi', async () => {
    const x = vector('x');
    const f = compile([x], [L.clip(x, -1, 2), grad(L.sum(L.clip(x, -1, 2)), x)]);
    const [y, g] = await call(f, [-3, -1, 0.5, 2, 5]) as L.HostTensor[];
    expectClose(y, [-1, -1, 0.5, 2, 2]);
    expectClose(g, [0, 1, 1, 1, 0]);
    const xv = nd([-2.5, -0.7, 0.3, 1.4, 3.1, 0.9].map(Math.fround));
    await checkOpGrad({ inputs: [x], values: [xv], output: x.clip(-1, 2).mul(x), ref: ([a]) => ({ data: a.data.map((v) => Math.min(Math.max(v, -1), 2) * v), shape: a.shape }) });
  });

  it('symbolic clip bounds get gradients where they are active', async () => {
    const x = vector('x');
    const lo = scalar('lo');
    const hi = scalar('hi');
    const [glo, ghi] = await call(compile([x, lo, hi], grad(L.sum(L.clip(x, lo, hi)), [lo, hi])), [-5, 0, 5, 6], -1, 1) as number[];
    expect(glo).toBe(1);
    expect(ghi).toBe(2);
  });
});

describe('dtypes of elementwise results', () => {
  it('JS numbers take the dtype of the tensor they meet', async () => {
    const x = vector('x');
    const i = ivector('i');
    expect(x.mul(2).dtype).toBe('float32');
    expect(i.add(1).dtype).toBe('int32');
    expect(i.mul(0.5).dtype).toBe('float32');
    expect(L.div(i, 2).dtype).toBe('float32');
    expect(L.lt(x, 1).dtype).toBe('bool');
    expect(L.add(i, x).dtype).toBe('float32');
    expectClose(await call(compile([i], i.mul(0.5)), Int32Array.from([3])), [1.5]);
  });

  it('integer arithmetic stays exact; / is true division; intDiv and mod floor like Python', async () => {
    const a = ivector('a');
    const b = ivector('b');
    const f = compile([a, b], [L.add(a, b), L.mul(a, b), L.div(a, b), L.intDiv(a, b), L.mod(a, b)]);
    const [s, p, q, fd, m] = await call(f, Int32Array.from([7, -7, 16777217]), Int32Array.from([2, 2, 1])) as L.HostTensor[];
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.data)).toEqual([9, -5, 16777218]);
    expect(Array.from(p.data)).toEqual([14, -14, 16777217]);
    expect(q.dtype).toBe('float32');
    expectClose(q, [3.5, -3.5, 16777216]);
    expect(Array.from(fd.data)).toEqual([3, -4, 16777217]);
    expect(Array.from(m.data)).toEqual([1, 1, 0]);
  });

  it('comparisons and logic give bools', async () => {
    const x = vector('x');
    const y = vector('y');
    const f = compile([x, y], [L.eq(x, y), L.neq(x, y), L.lt(x, y), L.le(x, y), L.gt(x, y), L.ge(x, y), L.and(L.gt(x, 0), L.gt(y, 0)), L.or(L.gt(x, 0), L.gt(y, 0)), L.not(L.gt(x, 0))]);
    const outs = await call(f, [1, 2, 3, -1], [1, 3, 2, 5]) as L.HostTensor[];
    expect(outs.map((o) => o.dtype)).toEqual(Array(9).fill('bool'));
    expect(outs.map((o) => Array.from(o.data))).toEqual([
      [1, 0, 0, 0],
      [0, 1, 1, 1],
      [0, 1, 0, 1],
      [1, 1, 0, 1],
      [0, 0, 1, 0],
      [1, 0, 1, 0],
      [1, 1, 1, 0],
      [1, 1, 1, 1],
      [0, 0, 0, 1],
    ]);
  });

  it('cast rounds toward zero to int, and float->float cast passes the gradient', async () => {
    const x = vector('x');
    const f = compile([x], [L.cast(x, 'int32'), x.astype('bool')]);
    const [i, b] = await call(f, [1.7, -1.7, 0]) as L.HostTensor[];
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.data)).toEqual([1, -1, 0]);
    expect(Array.from(b.data)).toEqual([1, 1, 0]);
    expectClose(await call(compile([x], grad(L.sum(L.cast(x, 'float32').mul(3)), x)), [1, 2]), [3, 3]);
  });

  it('no gradient flows through an integer cast (the variable is reported as such, zeros with disconnected: zero)', async () => {
    const x = vector('x');
    const cost = L.sum(L.cast(L.cast(x, 'int32'), 'float32'));
    const g = await call(compile([x], grad(cost, x, { disconnected: 'zero' })), [1.5, 2.5]);
    expectClose(g, [0, 0]);
  });

  it('an iscalar times a float32 constant input computes in float32', async () => {
    const i = iscalar('i');
    const x = scalar('x');
    expect(await call(compile([i, x], L.mul(i, x)), 3, 0.5)).toBeCloseTo(1.5, 6);
  });

  it('float32 precision: results are float32-rounded, not float64', async () => {
    const x = vector('x');
    const y = await call(compile([x], L.add(x, 1e-8)), f32(nd([1])));
    expect((y as L.HostTensor).data[0]).toBe(1);
  });
});
