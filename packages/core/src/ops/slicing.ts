import { ShapeError } from '../errors';
import { tf, type Tensor } from '../tf';
import { padOnHost, sliceOnHost } from './slicing-host';
import { Constant } from '../graph/constant';
import { asTensor } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { hostInput, Op, type PerformContext } from '../graph/op';
import { nameGeneric, registerLowering, type Lowering } from '../lowering/registry';
import { cast } from './cast';

/** A bound of a slice or an index: a static number, or input `k` of the op (a symbolic scalar). */
export type Ref = { n: number } | { input: number };
export type IndexEntry = { kind: 'index'; i: Ref } | { kind: 'slice'; start: Ref | null; stop: Ref | null; step: number };

/** Python's `slice(start, stop, step)`, for `x.at(slice(1, -1))`; bounds may be symbolic. */
export class Slice {
  constructor(readonly start: number | ST | null = null, readonly stop: number | ST | null = null, readonly step: number | null = null) {}
}
export function slice(start: number | ST | null = null, stop?: number | ST | null, step?: number | null): Slice {
  // slice(n) means [:n], as in Python.
  return stop === undefined ? new Slice(null, start, step ?? null) : new Slice(start, stop, step ?? null);
}

/** Python's slice.indices: normalised start, stop and count for a dimension of length `len`. */
export function sliceIndices(start: number | null, stop: number | null, step: number, len: number): { start: number; count: number } {
  const [lo, hi] = step > 0 ? [0, len] : [-1, len - 1];
  const norm = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? Math.max(v + len, lo) : Math.min(v, hi));
  const s = norm(start, step < 0 ? hi : lo);
  const e = norm(stop, step < 0 ? lo : hi);
  const count = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
  return { start: s, count };
}

/** The op inputs (0-based among the bounds) that the spec reads. */
function refInputs(spec: readonly IndexEntry[]): number[] {
  const refs = spec.flatMap((e) => (e.kind === 'index' ? [e.i] : [e.start, e.stop]));
  return refs.flatMap((r) => (r && 'input' in r ? [r.input] : []));
}

function refValue(r: Ref, vals: number[]): number {
  return 'n' in r ? r.n : vals[r.input];
}

interface AxisPlan {
  axis: number;
  drop: boolean;
  start: number;
  count: number;
  step: number;
}

function plan(spec: readonly IndexEntry[], shape: readonly number[], vals: number[]): AxisPlan[] {
  return spec.map((e, axis) => {
    const len = shape[axis];
    if (e.kind === 'index') {
      const raw = refValue(e.i, vals);
      const i = raw < 0 ? raw + len : raw;
      if (i < 0 || i >= len) throw new ShapeError(`subtensor: index ${raw} is out of bounds for axis ${axis} of size ${len}.`);
      return { axis, drop: true, start: i, count: 1, step: 1 };
    }
    const { start, count } = sliceIndices(e.start && refValue(e.start, vals), e.stop && refValue(e.stop, vals), e.step, len);
    return { axis, drop: false, start, count, step: e.step };
  });
}

/** The lowest position a unit-step range reads (its start, or its end when it runs backwards). */
const lowest = (p: AxisPlan) => (p.count === 0 ? 0 : p.step === 1 ? p.start : p.start - p.count + 1);

const positions = (p: AxisPlan) => Int32Array.from({ length: p.count }, (_, k) => p.start + k * p.step);

/**
 * A contiguous slice on the wasm backend, read straight from the wasm heap: wasm's Slice kernel
 * copies the whole input out of the heap on every call, which made a minibatch of a large shared
 * data set (the `givens` idiom: `x: data[i*bs:(i+1)*bs]`) cost as much as copying the data set.
 * Undefined when the slice is not contiguous or the backend cannot read a range.
 */
function wasmContiguousSlice(x: Tensor, begin: number[], size: number[]): Tensor | undefined {
  const backend = tf.backend() as unknown as { readSync?: (dataId: object, start?: number, end?: number) => ArrayLike<number> };
  if (typeof backend.readSync !== 'function' || x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, begin, size)) return undefined;
  const strides = tf.util.computeStrides(x.shape);
  const offset = begin.reduce((acc, b, i) => acc + b * (i < strides.length ? strides[i] : 1), 0);
  const count = size.reduce((a, b) => a * b, 1);
  const values = backend.readSync(x.dataId, offset, offset + count) as Float32Array | Int32Array | Uint8Array;
  if (values.length !== count) return undefined;
  return tf.tensor(values, size, x.dtype);
}

/** The begin and size of a unit-step slice. */
function contiguousRange(x: Tensor, plans: readonly AxisPlan[]): { begin: number[]; size: number[] } {
  return { begin: x.shape.map((_, i) => plans[i]?.start ?? 0), size: x.shape.map((d, i) => plans[i]?.count ?? d) };
}

/** Basic indexing `x[a:b:s, i, ...]` on the leading axes; bounds may be symbolic int scalars. */
export class Subtensor extends Op {
  readonly name = 'Subtensor';
  static override readonly props = ['spec'] as const;
  override readonly hostInputs: readonly number[];
  constructor(readonly spec: readonly IndexEntry[]) {
    super();
    this.hostInputs = refInputs(spec).map((k) => k + 1);
  }
  override inferTypes([x, ...idx]: readonly ST[]): TensorType[] {
    if (this.spec.length > x.ndim) throw new ShapeError(`subtensor: ${this.spec.length} indices for ${x.describe()} of rank ${x.ndim}.`);
    const constVals = idx.map((i) => (i instanceof Constant ? i.scalarValue() : undefined));
    const shape: (number | null)[] = [];
    x.shape.forEach((len, axis) => {
      const e = this.spec[axis];
      if (!e) return shape.push(len);
      if (e.kind === 'index') return;
      const known = (r: Ref | null) => r === null || 'n' in r || constVals[r.input] !== undefined;
      if (len === null || !known(e.start) || !known(e.stop)) return shape.push(null);
      const v = (r: Ref | null) => (r === null ? null : 'n' in r ? r.n : (constVals[r.input] as number));
      shape.push(sliceIndices(v(e.start), v(e.stop), e.step, len).count);
    });
    return [{ dtype: x.dtype, shape }];
  }
  override perform([x, ...idx]: Tensor[], ctx: PerformContext): Tensor[] {
    const plans = plan(this.spec, x.shape, idx.map((_, k) => hostInput(ctx, k + 1, this.name).data[0]));
    let out = x;
    if (plans.every((p) => p.step === 1)) {
      const { begin, size } = contiguousRange(x, plans);
      out = tf.slice(x, begin, size);
    } else if (plans.every((p) => p.step === 1 || p.step === -1)) {
      // Reversed ranges (x[::-1], scan's goBackwards): a contiguous slice and a reverse, not a gather.
      out = tf.slice(x, x.shape.map((_, i) => (plans[i] ? lowest(plans[i]) : 0)), x.shape.map((d, i) => plans[i]?.count ?? d));
      const rev = plans.filter((p) => p.step === -1 && p.count > 1).map((p) => p.axis);
      if (rev.length) out = tf.reverse(out, rev);
    } else {
      for (const p of plans) out = tf.gather(out, positions(p), p.axis);
    }
    const drop = plans.filter((p) => p.drop).map((p) => p.axis);
    return [drop.length ? tf.squeeze(out, drop) : out === x ? x.clone() : out];
  }
  override grad([x, ...idx]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new SubtensorGrad(this.spec).make1(x, g!, ...idx), ...idx.map(() => null)];
  }
}

const subtensorPlans = (op: Subtensor, [x, ...idx]: readonly Tensor[], ctx: PerformContext) => plan(op.spec, x.shape, idx.map((_, k) => hostInput(ctx, k + 1, op.name).data[0]));

/**
 * A unit-step Subtensor by `slice` (begin and size per axis; undefined: declined), the indexed
 * axes dropped after: the body of both host lowerings below.
 */
function unitStepSlice(inputs: Tensor[], ctx: PerformContext, op: Subtensor, slice: (x: Tensor, begin: number[], size: number[]) => Tensor | undefined): Tensor[] | undefined {
  const plans = subtensorPlans(op, inputs, ctx);
  const { begin, size } = contiguousRange(inputs[0], plans);
  const out = slice(inputs[0], begin, size);
  const drop = plans.filter((p) => p.drop).map((p) => p.axis);
  return out && [drop.length ? tf.squeeze(out, drop) : out];
}

/** 'wasm-heap-slice': a unit-step slice read straight from the wasm heap (see wasmContiguousSlice); declined when not contiguous. */
const wasmHeapSlice: Lowering<Subtensor> = {
  name: 'wasm-heap-slice',
  applies: (ctx, inputs, op) => subtensorPlans(op, inputs, ctx).every((p) => p.step === 1),
  when: (ctx) => ctx.backend === 'wasm',
  run: (inputs, ctx, op) => unitStepSlice(inputs, ctx, op, wasmContiguousSlice),
};

/**
 * 'host-block-slice': a unit-step slice that is not contiguous (an LSTM gate's columns of the
 * 100x400 product) as one copy per run of the last axis, on the in-process backends (see
 * ops/slicing-host.ts); wasm's Slice copies it element by element.
 */
const hostBlockSlice: Lowering<Subtensor> = {
  name: 'host-block-slice',
  applies: (ctx, inputs, op) => inputs[0].dtype === 'float32' && inputs[0].rank >= 1 && subtensorPlans(op, inputs, ctx).every((p) => p.step === 1),
  when: (ctx, inputs, op) => {
    const { begin, size } = contiguousRange(inputs[0], subtensorPlans(op, inputs, ctx));
    return ctx.hostMemory && !tf.slice_util.isSliceContinous(inputs[0].shape, begin, size);
  },
  run: (inputs, ctx, op) => unitStepSlice(inputs, ctx, op, sliceOnHost),
};

nameGeneric(Subtensor, 'tfjs-slice');
registerLowering(Subtensor, wasmHeapSlice);
registerLowering(Subtensor, hostBlockSlice);

/** Zeros shaped like `x` with `g` written where Subtensor read (the gradient of Subtensor). */
export class SubtensorGrad extends Op {
  readonly name = 'SubtensorGrad';
  static override readonly props = ['spec'] as const;
  override readonly hostInputs: readonly number[];
  constructor(readonly spec: readonly IndexEntry[]) {
    super();
    this.hostInputs = refInputs(spec).map((k) => k + 2);
  }
  override inferTypes([x, g]: readonly ST[]): TensorType[] {
    return [{ dtype: g.dtype, shape: x.shape }];
  }
  override perform([x, g, ...idx]: Tensor[], ctx: PerformContext): Tensor[] {
    const plans = plan(this.spec, x.shape, idx.map((_, k) => hostInput(ctx, k + 2, this.name).data[0]));
    let out = g;
    for (const p of plans) if (p.drop) out = tf.expandDims(out, p.axis);
    if (plans.every((p) => p.step === 1 || p.step === -1)) {
      const rev = plans.filter((p) => p.step === -1 && p.count > 1).map((p) => p.axis);
      if (rev.length) out = tf.reverse(out, rev);
      const pads = x.shape.map((d, i) => (plans[i] ? [lowest(plans[i]), d - lowest(plans[i]) - plans[i].count] : [0, 0]) as [number, number]);
      return [tf.pad(out, pads)];
    }
    for (const p of plans) out = scatterAxis(out, positions(p), x.shape[p.axis], p.axis);
    return [out];
  }
  /** Linear in g: its gradient reads back where Subtensor read (x only gives the shape). */
  override grad([, , ...idx]: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    return [null, new Subtensor(this.spec).make1(gg!, ...idx), ...idx.map(() => null)];
  }
}

const subtensorGradPlans = (op: SubtensorGrad, [x, , ...idx]: readonly Tensor[], ctx: PerformContext) => plan(op.spec, x.shape, idx.map((_, k) => hostInput(ctx, k + 2, op.name).data[0]));

/** 'host-block-pad': the gradient of a unit-step slice written into zeros run by run (ops/slicing-host.ts), on the in-process backends. */
const hostBlockPad: Lowering<SubtensorGrad> = {
  name: 'host-block-pad',
  applies: (ctx, inputs, op) => inputs[1].dtype === 'float32' && inputs[0].rank >= 1 && subtensorGradPlans(op, inputs, ctx).every((p) => p.step === 1),
  when: (ctx) => ctx.hostMemory,
  run(inputs, ctx, op) {
    const [x, g] = inputs;
    const plans = subtensorGradPlans(op, inputs, ctx);
    let block = g;
    for (const p of plans) if (p.drop) block = tf.expandDims(block, p.axis);
    const out = padOnHost(block, x.shape, x.shape.map((_, i) => plans[i]?.start ?? 0));
    return out && [out];
  },
};

nameGeneric(SubtensorGrad, 'tfjs-pad');
registerLowering(SubtensorGrad, hostBlockPad);

/** Places the slices of `t` along `axis` at `pos` in a zero tensor whose axis has length `len`. */
function scatterAxis(t: Tensor, pos: Int32Array, len: number, axis: number): Tensor {
  const zshape = t.shape.map((d, i) => (i === axis ? 1 : d));
  const withZero = tf.concat([t, tf.zeros(zshape, t.dtype)], axis);
  const inv = new Int32Array(len).fill(pos.length);
  pos.forEach((p, k) => (inv[p] = k));
  return tf.gather(withZero, inv, axis);
}

/** Builds the op for basic indexing from user entries (numbers, symbolic scalars, slices). */
export function basicSubtensor(x: ST, entries: readonly (number | ST | Slice)[]): ST {
  const inputs: ST[] = [];
  const ref = (v: number | ST | null): Ref | null => {
    if (v === null) return null;
    if (typeof v === 'number') return { n: v };
    if (v.ndim !== 0) throw new ShapeError(`subtensor: a slice bound must be a scalar, received ${v.describe()}.`);
    inputs.push(cast(asTensor(v), 'int32'));
    return { input: inputs.length - 1 };
  };
  const spec: IndexEntry[] = entries.map((e) => {
    if (e instanceof Slice) {
      const step = e.step ?? 1;
      if (!Number.isInteger(step) || step === 0) throw new ShapeError(`subtensor: a slice step must be a non-zero integer, received ${e.step}.`);
      return { kind: 'slice', start: ref(e.start), stop: ref(e.stop), step };
    }
    return { kind: 'index', i: ref(e)! };
  });
  return new Subtensor(spec).make1(x, ...inputs);
}
