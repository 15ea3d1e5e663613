/** Reductions: sum / mean / max / min / prod / argmax / argmin with axis and keepdims. */
import * as L from '@lasagne-ts/core';
import { compile, grad, tensor, vector, matrix, ivector, bvector } from '@lasagne-ts/core';
import { nd, type NDArray } from './reference';
import { checkOpGrad, expectClose, reduceRef, rn } from './helpers';
import { call } from './calls';

type ReduceFn = typeof L.sum;
const kinds: { name: string; fn: ReduceFn; ref: (v: number[]) => number }[] = [
  { name: 'sum', fn: L.sum, ref: (v) => v.reduce((a, b) => a + b, 0) },
  { name: 'mean', fn: L.mean, ref: (v) => v.reduce((a, b) => a + b, 0) / v.length },
  { name: 'max', fn: L.max, ref: (v) => Math.max(...v) },
  { name: 'min', fn: L.min, ref: (v) => Math.min(...v) },
  { name: 'prod', fn: L.prod, ref: (v) => v.reduce((a, b) => a * b, 1) },
];

const axesCases: (number[] | undefined)[] = [undefined, [0], [1], [2], [0, 2], [-1]];

/** Distinct values (no ties for max/min) around +-1 (prod stays well scaled). */
function data(seed: number, shape: number[]): NDArray {
  const a = rn(seed, shape, 0.3);
  return { data: a.data.map((v, i) => Math.fround((i % 2 ? -1 : 1) * (1 + v) + i * 1e-3)), shape };
}

describe('reductions: forward and gradient against float64 references', () => {
  kinds.forEach(({ name, fn, ref }, k) => {
    axesCases.forEach((axes, j) => {
      [false, true].forEach((keepdims) => {
        it(`${name} axis=${JSON.stringify(axes)} keepdims=${keepdims}`, async () => {
          const x = tensor('float32', [2, 3, 4], 'x');
          const xv = data(300 + 20 * k + j, [2, 3, 4]);
          const norm = axes?.map((a) => (a < 0 ? a + 3 : a));
          await checkOpGrad({
            inputs: [x],
            values: [xv],
            output: fn(x, axes ?? null, keepdims),
            ref: ([a]) => reduceRef(a, norm, ref, keepdims),
            label: name,
          });
        });
      });
    });
  });

  it('options-object form and method forms', async () => {
    const x = matrix('x');
    const f = compile([x], [x.sum({ axis: 1, keepdims: true }), x.mean(0), x.max(), x.min(1), x.prod(0, true)]);
    const outs = await call(f, [[1, 2, 3], [4, 5, 6]]) as L.OutputValue[];
    expectClose(outs[0], [[6], [15]]);
    expectClose(outs[1], [2.5, 3.5, 4.5]);
    expect(outs[2]).toBe(6);
    expectClose(outs[3], [1, 4]);
    expectClose(outs[4], [[4, 10, 18]]);
  });

  it('unknown sizes: mean divides by the run-time count, and its gradient too', async () => {
    const x = matrix('x');
    const f = compile([x], [L.mean(x, 1), grad(L.mean(x), x)]);
    const [m, g] = await call(f, [[1, 2, 3, 6]]) as L.HostTensor[];
    expectClose(m, [3]);
    expectClose(g, [[0.25, 0.25, 0.25, 0.25]]);
  });
});

describe('reductions: dtypes and special values', () => {
  it('integer sums stay int32 and exact; mean of ints is float32', async () => {
    const i = ivector('i');
    const f = compile([i], [L.sum(i), L.mean(i), L.max(i), L.prod(i)]);
    const out = await call(f, Int32Array.from([16777217, 1, -2])) as number[];
    expect(out[0]).toBe(16777216); // exact (a float32 sum would give 16777214)
    expect(out[2]).toBe(16777217);
    expect(out[3]).toBe(-33554434);
    expect(await call(compile([i], L.mean(i)), Int32Array.from([1, 2]))).toBe(1.5);
    expect(await call(compile([i], L.prod(i)), Int32Array.from([3, -4, 5]))).toBe(-60);
  });

  it('mean(eq(a, b), "float32") is an accuracy; sum of bools counts', async () => {
    const a = ivector('a');
    const b = ivector('b');
    const f = compile([a, b], [L.mean(L.eq(a, b), 'float32'), L.sum(L.eq(a, b))]);
    const [acc, n] = await call(f, Int32Array.from([1, 2, 3, 4]), Int32Array.from([1, 0, 3, 0])) as number[];
    expect(acc).toBe(0.5);
    expect(n).toBe(2);
    const c = bvector('c');
    expect(await call(compile([c], L.mean(c)), [true, false, false, false])).toBe(0.25);
  });

  it('argmax / argmin along an axis, over the flattened tensor, with keepdims', async () => {
    const x = matrix('x');
    const f = compile([x], [L.argmax(x, 1), L.argmin(x, 0), L.argmax(x), x.argmax(1, true)]);
    const [a1, a0, af, ak] = await call(f, [[1, 9, 3], [7, 2, 8]]) as L.OutputValue[];
    expect(Array.from((a1 as L.HostTensor).data)).toEqual([1, 2]);
    expect((a1 as L.HostTensor).dtype).toBe('int32');
    expect(Array.from((a0 as L.HostTensor).data)).toEqual([0, 1, 0]);
    expect(af).toBe(1);
    expect((ak as L.HostTensor).shape).toEqual([2, 1]);
    expect(() => L.argmax(x, [0, 1])).toThrow(L.LasagneError);
  });

  it('max gradient: every tied maximum receives the gradient (Theano rule)', async () => {
    const x = vector('x');
    expectClose(await call(compile([x], grad(L.max(x), x)), [1, 3, 3, 2]), [0, 1, 1, 0]);
    const m = matrix('m');
    expectClose(await call(compile([m], grad(L.sum(L.min(m, 1)), m)), [[2, 1, 5], [0, 4, 4]]), [[0, 1, 0], [1, 0, 0]]);
  });

  it('prod gradient with one zero: product of the other entries (hand derivation)', async () => {
    const x = vector('x');
    // d/dx prod([2, 0, 3]) = [0*3, 2*3, 2*0] = [0, 6, 0]
    expectClose(await call(compile([x], grad(L.prod(x), x)), [2, 0, 3]), [0, 6, 0]);
  });

  it('prod gradient with two zeros is all zero; without zeros it is prod/x', async () => {
    const x = vector('x');
    const g = compile([x], grad(L.prod(x), x));
    expectClose(await call(g, [0, 5, 0, 2]), [0, 0, 0, 0]);
    expectClose(await call(g, [2, -4, 0.5]), [-2, 1, -8]);
    const m = matrix('m');
    // Along rows: row 0 has a zero at column 1, row 1 none.
    expectClose(await call(compile([m], grad(L.sum(L.prod(m, 1)), m)), [[3, 0, 2], [1, 2, 4]]), [[0, 6, 0], [8, 4, 2]]);
  });

  it('prod gradient with zeros agrees with finite differences', async () => {
    const x = matrix('x');
    const xv = nd([0, 1.5, -2, 0.5, 0, 0, 3, -1, 2, 0.25, 0, 4].map(Math.fround), [3, 4]);
    await checkOpGrad({ inputs: [x], values: [xv], output: L.prod(x, 1), ref: ([a]) => reduceRef(a, [1], (v) => v.reduce((p, q) => p * q, 1)) });
  });

  it('repeated or out-of-range axes are ShapeErrors', () => {
    const x = matrix('x');
    expect(() => L.sum(x, [0, 0])).toThrow(L.ShapeError);
    expect(() => L.sum(x, 2)).toThrow(/axis 2 is out of range/);
  });
});
