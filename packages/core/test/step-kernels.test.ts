/**
 * The host paths that make a recurrent step cheap on the in-process backends (cpu, wasm): `where`
 * (Switch) reading its operands through broadcast strides instead of tiling them, a Scan's split
 * of its sequences into rows and stack of its results, step-1 slices (an LSTM's gate columns) and
 * their gradient as block copies, GradClip's gradient as one NaN-keeping clip. Against float64
 * references, on both backends, with no leaked tensors.
 */
import * as L from '@lasagne-ts/core';
import { compile, grad, gradClip, tensor, where } from '@lasagne-ts/core';
import { splitRows, stackRows } from '../src/scan/rows';
import { tf } from '../src/tf';
import { bmap, expectClose, f32, rn } from './helpers';
import { describeNotOnWebgpu, onBackend } from './calls';
import { nd } from './reference';

describeNotOnWebgpu('host kernels of the in-process backends').each(['cpu', 'wasm'])('on the %s backend', (backend) => {
  onBackend(backend);

  // cond, a, b shapes: a column mask against states, scalars, rows, rank 3 and rank 0.
  it.each([
    [[4, 1], [4, 5], [4, 5]],
    [[4, 5], [4, 5], [4, 5]],
    [[1, 5], [4, 5], []],
    [[3, 1, 2], [1, 4, 1], [3, 4, 2]],
    [[], [2, 3], [2, 3]],
    [[], [], []],
  ])('where(cond %j, a %j, b %j) picks exactly what the float64 reference picks', (cs, as, bs) => {
    const c = rn(1, cs), a = rn(2, as), b = rn(3, bs);
    const cv = tensor('float32', cs), av = tensor('float32', as), bv = tensor('float32', bs);
    const f = compile([cv, av, bv], where(L.gt(cv, 0), av, bv));
    f(f32(c), f32(a), f32(b)); // the first call uploads the function's constants (kept)
    const before = tf.memory().numTensors;
    const out = f(f32(c), f32(a), f32(b));
    expect(tf.memory().numTensors).toBe(before);
    expectClose(out, bmap([c, a, b].map((v) => ({ data: v.data.map(Math.fround), shape: v.shape })), (x, y, z) => (x > 0 ? y : z)), 0, 0);
  });

  it('an empty operand broadcasts to an empty result (size 0 against 1 is 0, as in NumPy)', () => {
    const c = tensor('float32', [2, 1]), a = tensor('float32', [null, 2, 1]);
    const out = compile([c, a], where(L.gt(c, 0), a, c))({ data: Float32Array.from([1, -1]), shape: [2, 1] }, { data: new Float32Array(0), shape: [0, 2, 1] }) as L.HostTensor;
    expect(out.shape).toEqual([0, 2, 1]);
  });

  it('a non-finite value in the branch not taken does not leak into the result; int32 choices keep their dtype', () => {
    const c = tensor('bool', [2, 1]), a = L.matrix('a'), b = L.matrix('b');
    const f = compile([c, a, b], where(c, a, b));
    const out = f({ data: Uint8Array.from([1, 0]), shape: [2, 1] }, [[Infinity, NaN], [1, 2]], [[3, 4], [NaN, -Infinity]]) as L.HostTensor;
    expect(Array.from(out.data)).toEqual([Infinity, NaN, NaN, -Infinity]);
    const i = L.imatrix('i');
    const g = compile([c, i], where(c, i, 7));
    const r = g({ data: Uint8Array.from([0, 1]), shape: [2, 1] }, { data: Int32Array.from([1, 2, 3, 4]), shape: [2, 2] }) as L.HostTensor;
    expect(r.dtype).toBe('int32');
    expect(Array.from(r.data)).toEqual([7, 7, 3, 4]);
  });

  it('splitRows / stackRows: the rows of a float32 sequence (first n of them), stacked back; other dtypes through tfjs', () => {
    const x = rn(4, [5, 2, 3]);
    const t = tf.tensor(Float32Array.from(x.data), [5, 2, 3]);
    const rows = splitRows(t, 4);
    expect(rows.map((r) => r.shape)).toEqual([[2, 3], [2, 3], [2, 3], [2, 3]]);
    rows.forEach((r, k) => expectClose(nd(Array.from(r.dataSync()), [2, 3]), nd(x.data.slice(k * 6, (k + 1) * 6).map(Math.fround), [2, 3]), 0, 0));
    const back = stackRows(rows, 'test');
    expectClose(nd(Array.from(back.dataSync()), back.shape), nd(x.data.slice(0, 24).map(Math.fround), [4, 2, 3]), 0, 0);
    const ints = tf.tensor([1, 2, 3, 4], [2, 2], 'int32');
    const irows = splitRows(ints, 2);
    expect(irows.map((r) => Array.from(r.dataSync()))).toEqual([[1, 2], [3, 4]]);
    expect(Array.from(stackRows(irows, 'test').dataSync())).toEqual([1, 2, 3, 4]);
    expect(() => stackRows([rows[0], tf.zeros([3, 2])], 'Scan{s}')).toThrow(/Scan\{s\}: step 1 computed a value of shape \(3, 2\), step 0 one of shape \(2, 3\)/);
    tf.dispose([t, ...rows, back, ints, ...irows]);
  });

  it.each([
    [[6, 8], [[1, 4], [2, 3]]],
    [[3, 4, 5], [[0, 3], [1, 2], [2, 3]]],
    [[10], [[3, 4]]],
    [[4, 6], [[0, 4], [0, 6]]],
  ] as [number[], [number, number][]][])('x%j sliced [start, count] per axis %j, and its gradient, against the float64 reference', (shape, ranges) => {
    const xv = rn(5, shape);
    const x = tensor('float32', shape);
    const entries = ranges.map(([s0, c]) => L.slice(s0, s0 + c));
    const y = L.getItem(x, ...entries);
    const R = rn(6, ranges.map(([, c]) => c));
    const gx = grad(L.sum(L.mul(y, L.constant(f32(R)))), x);
    const [yv, gv] = compile([x], [y, gx])(f32(xv)) as L.HostTensor[];
    // Reference: walk every index of x; inside the block it maps to the block's index.
    const strides = (s: number[]) => s.map((_, i) => s.slice(i + 1).reduce((a, b) => a * b, 1));
    const [sx, sb] = [strides(shape), strides(ranges.map(([, c]) => c))];
    const yRef = new Float64Array(R.data.length), gRef = new Float64Array(xv.data.length);
    for (let k = 0; k < xv.data.length; k++) {
      const idx = shape.map((_, d) => Math.floor(k / sx[d]) % shape[d]);
      if (!idx.every((i, d) => i >= ranges[d][0] && i < ranges[d][0] + ranges[d][1])) continue;
      const b = idx.reduce((acc, i, d) => acc + (i - ranges[d][0]) * sb[d], 0);
      yRef[b] = Math.fround(xv.data[k]);
      gRef[k] = Math.fround(R.data[b]);
    }
    expectClose(yv, nd(yRef, ranges.map(([, c]) => c)), 0, 0);
    expectClose(gv, nd(gRef, shape), 0, 0);
  });

  it('gradClip: the gradient clipped, NaN kept (a diverging run must show it), and differentiable again', () => {
    const v = L.vector('v');
    const y = gradClip(v, -1, 2);
    const g = grad(L.sum(L.mul(y, L.mul(v, v))), v); // d/dv [y v^2] = v^2 (clipped) + 2 v y
    const f = compile([v], grad(L.sum(y.mul(L.constant(Float32Array.from([-5, 0.5, 7, NaN, 2])))), v));
    expect(Array.from((f([1, 2, 3, 4, 5]) as L.HostTensor).data)).toEqual([-1, 0.5, 2, NaN, 2]);
    const gv = compile([v], g)([0.5, -3, 1.2]) as L.HostTensor;
    const ref = [0.5, -3, 1.2].map((q) => Math.min(Math.max(q * q, -1), 2) + 2 * q * q);
    expectClose(gv, nd(ref, [3]), 1e-6, 1e-6);
    // Again, g = clip(v^2, -1, 2) + 2 v y: the clip passes 2 v where v^2 <= 2; 2 v y gives 2 y, and
    // 2 v reaching y through gradClip, clipped.
    const hv = compile([v], grad(L.sum(g), v))([0.5, -3, 1.2]) as L.HostTensor;
    expectClose(hv, nd([0.5, -3, 1.2].map((q) => (q * q <= 2 ? 2 * q : 0) + 2 * q + Math.min(Math.max(2 * q, -1), 2)), [3]), 1e-6, 1e-6);
  });
});
