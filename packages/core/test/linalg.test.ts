/** dot (every Theano case), matmul with transposes, batchedDot: forward and gradients. */
import * as L from '@lasagne-ts/core';
import { compile, tensor, vector, matrix, tensor3, scalar, imatrix } from '@lasagne-ts/core';
import { batchedDot as batchedDotRef, dot as dotRef, nd, type NDArray } from './reference';
import { checkOpGrad, expectClose, permute, rn } from './helpers';
import { call } from './calls';

const sym = (shape: number[], name: string) => tensor('float32', shape.map(() => null), name);

describe('dot: all Theano cases against numpy.dot semantics', () => {
  const cases: { name: string; a: number[]; b: number[] }[] = [
    { name: 'vector . vector', a: [5], b: [5] },
    { name: 'matrix . vector', a: [3, 5], b: [5] },
    { name: 'vector . matrix', a: [5], b: [5, 4] },
    { name: 'matrix . matrix', a: [3, 5], b: [5, 4] },
    { name: '3-d . matrix', a: [2, 3, 5], b: [5, 4] },
    { name: '3-d . vector', a: [2, 3, 5], b: [5] },
    { name: '4-d . matrix', a: [2, 1, 3, 5], b: [5, 2] },
    { name: 'scalar . matrix', a: [], b: [3, 2] },
    { name: 'matrix . scalar', a: [3, 2], b: [] },
  ];
  cases.forEach(({ name, a, b }, k) => {
    it(`${name}: forward shape/values and both gradients`, async () => {
      const x = sym(a, 'a');
      const y = sym(b, 'b');
      const out = L.dot(x, y);
      expect(out.ndim).toBe(dotRef(nd(new Array(a.reduce((p, d) => p * d, 1)).fill(0), a), nd(new Array(b.reduce((p, d) => p * d, 1)).fill(0), b)).shape.length);
      await checkOpGrad({ inputs: [x, y], values: [rn(80 + k, a), rn(90 + k, b)], output: out, ref: ([u, v]) => dotRef(u, v) });
    });
  });

  it('the method form and static shapes', () => {
    const a = tensor('float32', [3, 5], 'a');
    const b = tensor('float32', [5, 4], 'b');
    expect(a.dot(b).shape).toEqual([3, 4]);
    expect(L.dot(tensor('float32', [2, 3, 5]), b).shape).toEqual([2, 3, 4]);
    expect(L.dot(vector('v'), vector('w')).shape).toEqual([]);
  });

  it('hand-computed matrix product', async () => {
    const a = matrix('a');
    const b = matrix('b');
    expectClose(await call(compile([a, b], a.dot(b)), [[1, 2], [3, 4]], [[5, 6], [7, 8]]), [[19, 22], [43, 50]]);
  });

  it('integer dot stays int32 and exact', async () => {
    const a = imatrix('a');
    const b = imatrix('b');
    const out = await call(compile([a, b], L.dot(a, b)), { data: Int32Array.from([1, 2, 3, 4]), shape: [2, 2] }, { data: Int32Array.from([100000, 0, 3, 1]), shape: [2, 2] }) as L.HostTensor;
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.data)).toEqual([100006, 2, 300012, 4]);
  });

  it('inner dimension mismatch is a ShapeError naming both shapes', async () => {
    const a = tensor('float32', [3, 5], 'a');
    const b = tensor('float32', [4, 2], 'b');
    expect(() => L.dot(a, b)).toThrow(L.ShapeError);
    expect(() => L.dot(a, b)).toThrow(/\(3, 5\).*\(4, 2\)/);
    expect(() => L.dot(tensor('float32', [5]), tensor('float32', [4]))).toThrow(/5 vs 4/);
    expect(() => L.dot(a, tensor3('c'))).toThrow(L.ShapeError);
    // Unknown sizes that disagree are caught at run time.
    const m = matrix('m');
    const f = compile([m], L.dot(m, m));
    await expect(call(f, [[1, 2, 3]])).rejects.toThrow();
  });
});

describe('matmul with transposes', () => {
  [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ].forEach(([ta, tb], k) => {
    it(`matmul transA=${ta} transB=${tb}: forward and gradients`, async () => {
      const a = matrix('a');
      const b = matrix('b');
      const sa = ta ? [4, 3] : [3, 4];
      const sb = tb ? [2, 4] : [4, 2];
      const ref = ([u, v]: NDArray[]) => dotRef(ta ? permute(u, [1, 0]) : u, tb ? permute(v, [1, 0]) : v);
      await checkOpGrad({ inputs: [a, b], values: [rn(110 + k, sa), rn(120 + k, sb)], output: L.matmul(a, b, ta, tb), ref });
    });
  });
});

describe('batchedDot', () => {
  it('(B, n, m) . (B, m, p): forward and gradients', async () => {
    const a = tensor3('a');
    const b = tensor3('b');
    await checkOpGrad({ inputs: [a, b], values: [rn(130, [3, 2, 4]), rn(131, [3, 4, 5])], output: L.batchedDot(a, b), ref: ([u, v]) => batchedDotRef(u, v) });
  });

  it('batch or inner size mismatch is a ShapeError', () => {
    expect(() => L.batchedDot(tensor('float32', [3, 2, 4]), tensor('float32', [2, 4, 5]))).toThrow(L.ShapeError);
    expect(() => L.batchedDot(tensor('float32', [3, 2, 4]), tensor('float32', [3, 3, 5]))).toThrow(/inner dimensions differ/);
    expect(() => L.batchedDot(matrix('m'), tensor3('t'))).toThrow(L.ShapeError);
  });

  it('hand check of one batch element', async () => {
    const a = tensor3('a');
    const b = tensor3('b');
    const out = await call(compile([a, b], L.batchedDot(a, b)), [[[1, 2]], [[3, 4]]], [[[1], [1]], [[2], [-1]]]);
    expectClose(out, [[[3]], [[2]]]);
  });

  it('scalar * dot composes', async () => {
    const s = scalar('s');
    const v = vector('v');
    expect(await call(compile([s, v], L.dot(v, v).mul(s)), 2, [1, 2, 3])).toBe(28);
  });
});
