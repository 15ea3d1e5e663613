/** Basic slicing (static and symbolic), take, advanced indexing, arange, oneHot. */
import * as L from '@lasagne-ts/core';
import { compile, grad, slice, tensor, vector, matrix, tensor3, ivector, iscalar, imatrix } from '@lasagne-ts/core';
import { arange, nd, type NDArray } from './reference';
import { checkOpGrad, expectClose, rn } from './helpers';
import { call } from './calls';

type Entry = number | [number | null, number | null, number | null];

/** Python's list(range(*slice(start, stop, step).indices(len))), written from the Python docs. */
function pyRange(start: number | null, stop: number | null, step: number | null, len: number): number[] {
  const st = step ?? 1;
  let s: number;
  let e: number;
  if (st > 0) {
    s = start === null ? 0 : start < 0 ? Math.max(0, start + len) : Math.min(start, len);
    e = stop === null ? len : stop < 0 ? Math.max(0, stop + len) : Math.min(stop, len);
  } else {
    s = start === null ? len - 1 : start < 0 ? Math.max(-1, start + len) : Math.min(start, len - 1);
    e = stop === null ? -1 : stop < 0 ? Math.max(-1, stop + len) : Math.min(stop, len - 1);
  }
  const out: number[] = [];
  for (let i = s; st > 0 ? i < e : i > e; i += st) out.push(i);
  return out;
}

/** NumPy basic indexing x[e0, e1, ...] (float64). */
function sliceRef(a: NDArray, entries: Entry[]): NDArray {
  const picks = a.shape.map((len, ax) => {
    const e = entries[ax];
    if (e === undefined) return { idx: Array.from({ length: len }, (_, i) => i), drop: false };
    if (typeof e === 'number') return { idx: [e < 0 ? e + len : e], drop: true };
    return { idx: pyRange(e[0], e[1], e[2], len), drop: false };
  });
  const strides = a.shape.map((_, i) => a.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const out: number[] = [];
  const rec = (ax: number, off: number) => {
    if (ax === a.shape.length) return void out.push(a.data[off]);
    for (const i of picks[ax].idx) rec(ax + 1, off + i * strides[ax]);
  };
  rec(0, 0);
  return nd(out, picks.filter((p) => !p.drop).map((p) => p.idx.length));
}

const toSlice = (e: Entry) => (typeof e === 'number' ? e : slice(e[0], e[1], e[2]));

describe('basic slicing x.at(...)', () => {
  const cases: Entry[][] = [
    [[1, 3, null]],
    [[null, null, -1]],
    [[null, null, 2], [1, null, null]],
    [1, [null, -1, null]],
    [[-2, null, null], 2],
    [[3, 0, -2], [null, null, 3]],
    [[null, null, null], [4, 1, -1], 0],
    [-1, -2, [1, 3, null]],
    [[-100, 100, null]],
    [[2, 2, null]],
  ];
  cases.forEach((entries, k) => {
    it(`x[${entries.map((e) => (typeof e === 'number' ? e : e.map((v) => v ?? '').join(':'))).join(', ')}] forward and gradient`, async () => {
      const x = tensor3('x');
      const xv = rn(40 + k, [4, 5, 3]);
      const out = x.at(...entries.map(toSlice));
      if (sliceRef(xv, entries).data.length === 0) {
        const y = await call(compile([x], out), { data: Float32Array.from(xv.data), shape: xv.shape });
        expect((y as L.HostTensor).shape).toEqual(sliceRef(xv, entries).shape);
        return;
      }
      await checkOpGrad({ inputs: [x], values: [xv], output: out, ref: ([a]) => sliceRef(a, entries) });
    });
  });

  it('slice(n) means [:n]; static shapes are inferred', async () => {
    const x = tensor('float32', [10, 4], 'x');
    expect(x.at(slice(3)).shape).toEqual([3, 4]);
    expect(x.at(slice(null, null, -3)).shape).toEqual([4, 4]);
    expect(x.at(2).shape).toEqual([4]);
    expect(x.at(slice(1, -1), 0).shape).toEqual([8]);
    const f = compile([x], x.at(slice(3), 1));
    const xv = arange(40, [10, 4]);
    expectClose(await call(f, { data: Float32Array.from(xv.data), shape: [10, 4] }), [1, 5, 9]);
  });

  it('symbolic start/stop bounds and symbolic indices', async () => {
    const x = matrix('x');
    const i = iscalar('i');
    const j = iscalar('j');
    const bs = 2;
    const y = x.at(slice(i.mul(bs), i.add(1).mul(bs)));
    expect(y.shape).toEqual([null, null]);
    const xv = arange(12, [6, 2]);
    const f = compile([x, i], y);
    const feedX = { data: Float32Array.from(xv.data), shape: [6, 2] };
    expectClose(await call(f, feedX, 0), [[0, 1], [2, 3]]);
    expectClose(await call(f, feedX, 2), [[8, 9], [10, 11]]);
    const g = compile([x, i, j], x.at(i, j));
    expect(await call(g, feedX, 3, 1)).toBe(7);
    expect(await call(g, feedX, -1, -2)).toBe(10);
    // Symbolic bounds with a step; gradient check.
    const xs = rn(50, [7, 3]);
    const h = x.at(slice(i, j, 2));
    await checkOpGrad({ inputs: [x, i, j], values: [xs, nd([1], []), nd([6], [])], output: h, wrt: [0], ref: ([a]) => sliceRef(a, [[1, 6, 2]]) });
    await checkOpGrad({ inputs: [x, i, j], values: [xs, nd([-1], []), nd([-6], [])], output: x.at(slice(i, j, -2)), wrt: [0], ref: ([a]) => sliceRef(a, [[-1, -6, -2]]) });
  });

  it('an out-of-bounds index is a ShapeError at run time; too many indices at build time', async () => {
    const x = matrix('x');
    const i = iscalar('i');
    const f = compile([x, i], x.at(i));
    await expect(call(f, [[1, 2], [3, 4]], 2)).rejects.toThrow(/index 2 is out of bounds for axis 0 of size 2/);
    expect(() => x.at(0, 0, 0)).toThrow(L.ShapeError);
    expect(() => x.at(slice(0, 2, 0))).toThrow(/step/);
  });

  it('the gradient of x[1] + x[1] accumulates in the same row', async () => {
    const x = matrix('x');
    const g = await call(compile([x], grad(L.sum(L.add(x.at(1), x.at(1).mul(2))), x)), [[1, 2], [3, 4], [5, 6]]);
    expectClose(g, [[0, 0], [3, 3], [0, 0]]);
  });
});

/** numpy.take(a, idx, axis) with idx possibly 2-d (float64). */
function takeRef(a: NDArray, idx: NDArray, axis: number): NDArray {
  const outer = a.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const len = a.shape[axis];
  const inner = a.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const raw of idx.data) {
      const i = raw < 0 ? raw + len : raw;
      for (let k = 0; k < inner; k++) out.push(a.data[(o * len + i) * inner + k]);
    }
  return nd(out, [...a.shape.slice(0, axis), ...idx.shape, ...a.shape.slice(axis + 1)]);
}

describe('take and integer-vector indexing', () => {
  const cases: { axis: number; idx: NDArray }[] = [
    { axis: 0, idx: nd([2, 0, 2, 3]) },
    { axis: 1, idx: nd([1, 1, -1]) },
    { axis: 2, idx: nd([0, 2, 1, 0, 0, 1], [2, 3]) },
    { axis: 0, idx: nd([3, -4, 0, 0], [2, 2]) },
  ];
  cases.forEach(({ axis, idx }, k) => {
    it(`take axis ${axis} with indices ${JSON.stringify(Array.from(idx.data))} (shape ${JSON.stringify(idx.shape)}): forward, gradient sums duplicates`, async () => {
      const x = tensor3('x');
      const i = tensor('int32', idx.shape.map(() => null), 'i');
      const xv = rn(60 + k, [4, 3, 3]);
      await checkOpGrad({ inputs: [x, i], values: [xv, idx], output: L.take(x, i, axis), ref: ([a, ii]) => takeRef(a, ii, axis) });
    });
  });

  it('x.at(ivector) is take along axis 0; duplicate rows accumulate their gradients (hand check)', async () => {
    const x = matrix('x');
    const i = ivector('i');
    const y = x.at(i);
    expect(y.owner?.op.name).toBe('Take');
    const f = compile([x, i], [y, grad(L.sum(y), x)]);
    const [v, g] = await call(f, [[1, 2], [3, 4], [5, 6]], Int32Array.from([2, 0, 2])) as L.HostTensor[];
    expectClose(v, [[5, 6], [1, 2], [5, 6]]);
    expectClose(g, [[1, 1], [0, 0], [2, 2]]);
  });

  it('take with a scalar index drops the axis; gradient', async () => {
    const x = tensor3('x');
    const i = iscalar('i');
    const xv = rn(65, [3, 4, 2]);
    await checkOpGrad({ inputs: [x, i], values: [xv, nd([-2], [])], output: L.take(x, i, 1), ref: ([a]) => takeRef(a, nd([2], []), 1) });
  });

  it('take rejects float indices and out-of-range indices', async () => {
    const x = matrix('x');
    expect(() => L.take(x, vector('f'))).toThrow(L.DTypeError);
    const i = ivector('i');
    const f = compile([x, i], x.take(i, 1));
    await expect(call(f, [[1, 2]], Int32Array.from([2]))).rejects.toThrow(/index 2 is out of bounds/);
  });
});

describe('advanced indexing p.at(arange(n), y)', () => {
  it('picks p[i, y[i]]; its gradient is one-hot (hand check)', async () => {
    const p = matrix('p');
    const y = ivector('y');
    const n = p.symShape().at(0);
    const picked = p.at(L.arange(n), y);
    const f = compile([p, y], [picked, grad(L.sum(picked.mul(L.constant([1, 10, 100]))), p)]);
    const [v, g] = await call(f, [[1, 2], [3, 4], [5, 6]], Int32Array.from([1, 0, 1])) as L.HostTensor[];
    expectClose(v, [2, 3, 6]);
    expectClose(g, [[0, 1], [10, 0], [0, 100]]);
  });

  it('forward and gradient against a reference, with negative and repeated index pairs', async () => {
    const x = tensor3('x');
    const a = ivector('a');
    const b = ivector('b');
    const av = nd([0, 2, -1, 0, 0]);
    const bv = nd([1, 0, 2, 1, -3]);
    const xv = rn(70, [3, 3, 2]);
    const ref = ([xx, ii, jj]: NDArray[]) => {
      const out: number[] = [];
      ii.data.forEach((i0, k) => {
        const i = i0 < 0 ? i0 + 3 : i0;
        const j = jj.data[k] < 0 ? jj.data[k] + 3 : jj.data[k];
        out.push(xx.data[(i * 3 + j) * 2], xx.data[(i * 3 + j) * 2 + 1]);
      });
      return nd(out, [ii.data.length, 2]);
    };
    await checkOpGrad({ inputs: [x, a, b], values: [xv, av, bv], output: x.at(a, b), ref });
  });

  it('a 2-d advanced index on a matrix: both axes', async () => {
    const x = matrix('x');
    const f = compile([x], grad(L.sum(x.at(L.constant(Int32Array.from([0, 0, 1]), { dtype: 'int32' }), L.constant(Int32Array.from([1, 1, 0]), { dtype: 'int32' }))), x));
    expectClose(await call(f, [[1, 2], [3, 4]]), [[0, 2], [1, 0]]);
  });

  it('mismatched index lengths are a ShapeError; float index arrays a DTypeError; mixing with slices is refused', async () => {
    const x = matrix('x');
    const a = ivector('a');
    const b = ivector('b');
    const f = compile([x, a, b], x.at(a, b));
    await expect(call(f, [[1, 2]], Int32Array.from([0, 0]), Int32Array.from([0]))).rejects.toThrow(L.ShapeError);
    expect(() => x.at(vector('v'), b)).toThrow(L.DTypeError);
    expect(() => x.at(a, slice(0, 1))).toThrow(/mixing index arrays/);
  });

  it('empty index vectors pick nothing (an empty minibatch), with a zero gradient', async () => {
    const x = matrix('x');
    const a = ivector('a');
    const b = ivector('b');
    const f = compile([x, a, b], [x.at(a, b), grad(L.sum(x.at(a, b)), x)]);
    const [v, g] = await call(f, [[1, 2], [3, 4]], new Int32Array(0), new Int32Array(0)) as L.HostTensor[];
    expect(v.shape).toEqual([0]);
    expectClose(g, [[0, 0], [0, 0]]);
  });

  it('an index matrix with one entry per axis is not allowed for AdvancedIndex', () => {
    const x = matrix('x');
    expect(() => x.at(imatrix('a'), imatrix('b'))).toThrow(L.ShapeError);
  });
});

describe('arange and oneHot', () => {
  it('arange like numpy, int32 for ints, float32 with float bounds, symbolic stop', async () => {
    const n = iscalar('n');
    const f = compile([n], [L.arange(n), L.arange(2, n), L.arange(n, 0, -2)]);
    const [a, b, c] = await call(f, 7) as L.HostTensor[];
    expect(a.dtype).toBe('int32');
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(b.data)).toEqual([2, 3, 4, 5, 6]);
    expect(Array.from(c.data)).toEqual([7, 5, 3, 1]);
    const fl = await call(compile([], L.arange(0, 1, 0.25))) as L.HostTensor;
    expect(fl.dtype).toBe('float32');
    expect(Array.from(fl.data)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(L.arange(3, 10, 3).shape).toEqual([3]);
  });

  it('oneHot gives a float32 one-hot matrix', async () => {
    const y = ivector('y');
    const out = await call(compile([y], L.oneHot(y, 4)), Int32Array.from([3, 0, 1])) as L.HostTensor;
    expect(out.dtype).toBe('float32');
    expectClose(out, [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]]);
    expect(() => L.oneHot(vector('v'), 3)).toThrow(L.DTypeError);
  });
});

describe('basic slicing on the wasm backend', () => {
  afterAll(async () => {
    await L.setBackend('cpu');
  });
  it('matches NumPy for contiguous slices (read from the heap), other slices, symbolic bounds and int32 data', async () => {
    await L.setBackend('wasm');
    const xv = rn(7, [6, 4, 3]);
    const x = L.shared({ data: Float32Array.from(xv.data), shape: xv.shape }, { name: 'x' });
    const i = iscalar('i');
    const cases: Entry[][] = [[[1, 3, null]], [2], [-1], [[2, 2, null]], [1, [1, 3, null]], [[1, 3, null], 2], [[null, null, 2]], [[null, null, null], [1, 3, null]], [1, 2, [0, 2, null]]];
    const f = compile([], cases.map((e) => x.at(...e.map(toSlice))));
    (await call(f) as L.HostTensor[]).forEach((out, k) => expectClose(out, sliceRef(xv, cases[k])));
    // x[i*2:(i+1)*2], the givens idiom, for every i
    const g = compile([i], x.at(slice(i.mul(2), i.add(1).mul(2))));
    for (const k of [0, 1, 2]) expectClose(await call(g, k) as L.HostTensor, sliceRef(xv, [[2 * k, 2 * k + 2, null]]));
    const labels = L.shared(Int32Array.from([5, 6, 7, 8, 9]), { name: 'y' });
    const h = compile([i], labels.at(slice(i, i.add(2))));
    expect(Array.from((await call(h, 2) as L.HostTensor).data)).toEqual([7, 8]);
    expect((await call(h, 2) as L.HostTensor).dtype).toBe('int32');
  });
});
