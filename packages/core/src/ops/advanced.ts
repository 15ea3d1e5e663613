import { DTypeError, ShapeError } from '../errors';
import { normAxis } from '../shape';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import { SymbolicTensor, type TensorType } from '../graph/node';
import { hostInput, Op, type PerformContext } from '../graph/op';
import type { HostTensor } from '../host';
import { nameGeneric, registerLowering } from '../lowering/registry';
import { cast } from './cast';
import { basicSubtensor, Slice } from './slicing';
import type { ST } from '../graph/node';

/**
 * Indices into an axis of `len`, checked (a ShapeError names the first out of bounds) with
 * negative ones wrapped as NumPy does: `v` itself when none is negative, else a wrapped copy.
 */
export function wrapIndices(v: HostTensor['data'], len: number): HostTensor['data'] {
  let neg = false;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < -len || v[i] >= len) throw new ShapeError(`index ${v[i]} is out of bounds for an axis of size ${len}.`);
    if (v[i] < 0) neg = true;
  }
  return neg ? Int32Array.from(v, (i) => (i < 0 ? i + len : i)) : v;
}

/**
 * Checks the indices' bounds on their host copy and wraps negative ones (`wrapIndices`): the
 * device tensor itself when none is negative, else the wrapped host values uploaded. Out-of-bounds
 * indices must be caught here: gather kernels return zeros for them on some backends (webgpu).
 */
function normIndex(idx: Tensor, host: HostTensor, len: number): Tensor {
  const v = wrapIndices(host.data, len);
  return v === host.data ? idx : tf.tensor(v, idx.shape, 'int32');
}

/** `x.take(indices, axis)` / `x[indices]` with an int tensor (Theano's AdvancedSubtensor1). */
export class Take extends Op {
  readonly name = 'Take';
  static override readonly props = ['axis'] as const;
  override readonly hostInputs = [1];
  constructor(readonly axis: number) {
    super();
  }
  override inferTypes([x, idx]: readonly ST[]): TensorType[] {
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, this.axis), ...idx.shape, ...x.shape.slice(this.axis + 1)] }];
  }
  override perform([x, idx]: Tensor[], ctx: PerformContext): Tensor[] {
    return [tf.gather(x, normIndex(idx, hostInput(ctx, 1, this.name), x.shape[this.axis]), this.axis)];
  }
  override grad([x, idx]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new TakeGrad(this.axis).make1(x, g!, idx), null];
  }
}

/** Scatter-add of `g` into zeros shaped like `x` at `idx` along `axis` (duplicates summed). */
export class TakeGrad extends Op {
  readonly name = 'TakeGrad';
  static override readonly props = ['axis'] as const;
  override readonly hostInputs = [2];
  constructor(readonly axis: number) {
    super();
  }
  override inferTypes([x, g]: readonly ST[]): TensorType[] {
    return [{ dtype: g.dtype, shape: x.shape }];
  }
  /** tfjs' UnsortedSegmentSum does the summing (the 'one-hot-matmul' lowering for backends without it). */
  override perform(inputs: Tensor[], ctx: PerformContext): Tensor[] {
    return [this.scatterAdd(inputs, ctx, (g2, flatIdx, len) => tf.unsortedSegmentSum(g2, flatIdx, len))];
  }
  /** The scatter-add, with `segmentSum` summing the rows of g2 [k, m] into `len` rows by index. */
  scatterAdd([x, g, idx]: Tensor[], ctx: PerformContext, segmentSum: (g2: Tensor, flatIdx: tf.Tensor1D, len: number) => Tensor): Tensor {
    const len = x.shape[this.axis];
    const flatIdx = tf.reshape(normIndex(idx, hostInput(ctx, 2, this.name), len), [-1]);
    // Move the axis first and fold the index dims into one.
    const perm = [this.axis, ...x.shape.map((_, i) => i).filter((i) => i !== this.axis)];
    const k = flatIdx.size;
    const gAxisFirst = moveIndexDimsFirst(g, this.axis, idx.rank);
    const rest = gAxisFirst.shape.slice(idx.rank);
    const g2 = tf.reshape(gAxisFirst, [k, rest.reduce((a, b) => a * b, 1)]);
    const summed = segmentSum(g2, flatIdx as tf.Tensor1D, len);
    const back = tf.reshape(summed, [len, ...rest]);
    const inv = perm.map((_, i) => perm.indexOf(i));
    return tf.transpose(back, inv);
  }
  /** Linear in g: its gradient gathers at the same indices (x only gives the shape). */
  override grad([, , idx]: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    return [null, new Take(this.axis).make1(gg!, idx), null];
  }
}

/** The segment sum as a one-hot matrix product, for backends without UnsortedSegmentSum (wasm; its OneHot ignores a float dtype: cast). */
registerLowering(TakeGrad, {
  name: 'one-hot-matmul',
  when: (ctx) => !tf.getKernel('UnsortedSegmentSum', ctx.backend),
  run: (inputs, ctx, op) => [op.scatterAdd(inputs, ctx, (g2, flatIdx, len) => tf.matMul(tf.cast(tf.oneHot(flatIdx, len), 'float32'), g2, true, false))],
});
nameGeneric(TakeGrad, 'tfjs-segment-sum');

function moveIndexDimsFirst(g: Tensor, axis: number, idxRank: number): Tensor {
  if (axis === 0) return g;
  const dims = g.shape.map((_, i) => i);
  const idxDims = dims.slice(axis, axis + idxRank);
  return tf.transpose(g, [...idxDims, ...dims.filter((d) => !idxDims.includes(d))]);
}

/** `x[i0, i1, ..., ik]` with int vectors of equal length on the leading axes (gather_nd). */
export class AdvancedIndex extends Op {
  readonly name = 'AdvancedIndex';
  override readonly hostInputs: readonly number[];
  /** `nIndices` index vectors follow the indexed tensor (the count of inputs says it: no params). */
  constructor(readonly nIndices: number) {
    super();
    this.hostInputs = Array.from({ length: nIndices }, (_, k) => k + 1);
  }
  override inferTypes([x, ...idx]: readonly ST[]): TensorType[] {
    if (idx.length > x.ndim) throw new ShapeError(`advanced indexing: ${idx.length} index vectors for ${x.describe()}.`);
    for (const i of idx) if (i.ndim !== 1) throw new ShapeError(`advanced indexing: each index must be an int vector, received ${i.describe()}.`);
    const n = idx.map((i) => i.shape[0]).find((d) => d !== null) ?? null;
    return [{ dtype: x.dtype, shape: [n, ...x.shape.slice(idx.length)] }];
  }
  override perform([x, ...idx]: Tensor[], ctx: PerformContext): Tensor[] {
    const n = idx[0].size;
    for (const i of idx) if (i.size !== n) throw new ShapeError(`advanced indexing: index vectors must have the same length, received ${idx.map((t) => t.size).join(' and ')}.`);
    // No indices pick nothing (gatherND refuses an empty input even then).
    if (n === 0) return [tf.zeros([0, ...x.shape.slice(idx.length)], x.dtype)];
    const nd = tf.stack(idx.map((i, a) => normIndex(i, hostInput(ctx, a + 1, this.name), x.shape[a])), 1);
    return [tf.gatherND(x, nd)];
  }
  override grad([x, ...idx]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new AdvancedIndexGrad(idx.length).make1(x, g!, ...idx), ...idx.map(() => null)];
  }
}

export class AdvancedIndexGrad extends Op {
  readonly name = 'AdvancedIndexGrad';
  override readonly hostInputs: readonly number[];
  constructor(readonly nIndices: number) {
    super();
    this.hostInputs = Array.from({ length: nIndices }, (_, k) => k + 2);
  }
  override inferTypes([x, g]: readonly ST[]): TensorType[] {
    return [{ dtype: g.dtype, shape: x.shape }];
  }
  override perform([x, g, ...idx]: Tensor[], ctx: PerformContext): Tensor[] {
    if (idx[0].size === 0) return [tf.zeros(x.shape, g.dtype)];
    const nd = tf.stack(idx.map((i, a) => normIndex(i, hostInput(ctx, a + 2, this.name), x.shape[a])), 1);
    return [tf.scatterND(nd, g, x.shape)];
  }
  /** Linear in g: its gradient picks the same elements (x only gives the shape). */
  override grad([, , ...idx]: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    return [null, new AdvancedIndex(idx.length).make1(gg!, ...idx), ...idx.map(() => null)];
  }
}

export function take(x: TensorLike, indices: TensorLike, axis = 0): ST {
  const t = asTensor(x);
  const i = asTensor(indices);
  if (i.dtype === 'float32') throw new DTypeError(`take: indices must be int32, received ${i.describe()}.`);
  return new Take(normAxis(axis, t.ndim, 'take')).make1(t, cast(i, 'int32'));
}

/**
 * NumPy/Theano indexing: numbers and symbolic int scalars pick, `slice(...)` slices, and int
 * vectors index element-wise: `p.at(arange(n), y)` is `p[arange(n), y]`.
 */
export function getItem(x: TensorLike, ...entries: (number | ST | Slice)[]): ST {
  const t = asTensor(x);
  const isVec = (e: unknown): e is ST => e instanceof SymbolicTensor && e.ndim >= 1;
  const vecs = entries.filter(isVec);
  if (!vecs.length) return basicSubtensor(t, entries);
  if (vecs.length === 1 && entries.length === 1) return take(t, vecs[0], 0);
  if (vecs.length === entries.length) {
    for (const v of vecs) if (v.dtype === 'float32') throw new DTypeError(`indexing: index arrays must be int32, received ${v.describe()}.`);
    return new AdvancedIndex(vecs.length).make1(t, ...vecs.map((v) => cast(v, 'int32')));
  }
  throw new ShapeError('indexing: mixing index arrays with slices or scalars is not supported; index in two steps (e.g. x.at(slice(...)).take(idx, axis)).');
}

/** `T.arange(start, stop, step)` as int32 (float32 if any bound is a float). */
export class Arange extends Op {
  readonly name = 'Arange';
  static override readonly props = ['dtype'] as const;
  override readonly hostInputs = [0, 1, 2];
  constructor(readonly dtype: 'int32' | 'float32') {
    super();
  }
  override inferTypes(): TensorType[] {
    return [{ dtype: this.dtype, shape: [null] }];
  }
  override perform(_ins: Tensor[], ctx: PerformContext): Tensor[] {
    const [a, b, s] = [0, 1, 2].map((i) => hostInput(ctx, i, this.name).data[0]);
    return [tf.range(a, b, s, this.dtype)];
  }
  override grad(): (ST | null)[] {
    return [null, null, null];
  }
}

export function arange(start: TensorLike, stop?: TensorLike, step: TensorLike = 1): ST {
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  const xs = [a, b, step].map(asTensor);
  const dtype = xs.some((x) => x.dtype === 'float32') ? 'float32' : 'int32';
  const out = new Arange(dtype).make1(...xs.map((x) => cast(x, dtype)));
  const known = [a, b, step].every((v) => typeof v === 'number');
  if (!known) return out;
  const n = Math.max(0, Math.ceil(((b as number) - (a as number)) / (step as number)));
  return new KnownLength(n).make1(out);
}

/** Annotates a vector with its statically known length (no-op at run time). */
class KnownLength extends Op {
  readonly name = 'KnownLength';
  static override readonly props = ['n'] as const;
  constructor(readonly n: number) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [{ dtype: x.dtype, shape: [this.n] }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [x.clone()];
  }
  override grad(): (ST | null)[] {
    return [null];
  }
}

/** Theano's `to_one_hot(y, nbClass)`: a float32 matrix with a 1 at each label. */
export class OneHot extends Op {
  readonly name = 'OneHot';
  static override readonly props = ['depth'] as const;
  constructor(readonly depth: number) {
    super();
  }
  override inferTypes([y]: readonly ST[]): TensorType[] {
    if (y.ndim !== 1) throw new ShapeError(`oneHot: expected an int vector of labels, received ${y.describe()}.`);
    return [{ dtype: 'float32', shape: [y.shape[0], this.depth] }];
  }
  override perform([y]: Tensor[]): Tensor[] {
    return [tf.cast(tf.oneHot(y, this.depth), 'float32')];
  }
  override grad(): (ST | null)[] {
    return [null];
  }
}

export function oneHot(y: TensorLike, depth: number): ST {
  const t = asTensor(y);
  if (t.dtype === 'float32') throw new DTypeError(`oneHot: labels must be int32, received ${t.describe()}.`);
  return new OneHot(depth).make1(cast(t, 'int32'));
}
