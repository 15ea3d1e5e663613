import { checkDType, type DType } from '../dtype';
import { DTypeError } from '../errors';
import { normAxes, type Shape } from '../shape';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { nameGeneric, registerLowering } from '../lowering/registry';
import { broadcastLike } from './broadcast';
import { cast } from './cast';
import { and, div, eq, mul, where } from './elemwise';
import { dimshuffle } from './dimshuffle';
import { flatten } from './reshape';
import { blockSum, blockSumShape, leadingSum } from './reduce-wasm';

export type ReduceKind = 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'argmax' | 'argmin';

export class Reduce extends Op {
  readonly name: string;
  static override readonly props = ['axis', 'keepdims'] as const;
  constructor(readonly kind: ReduceKind, readonly axis: number[], readonly keepdims: boolean) {
    super();
    this.name = kind[0].toUpperCase() + kind.slice(1);
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    const shape: (number | null)[] = [];
    x.shape.forEach((d, i) => {
      if (!this.axis.includes(i)) shape.push(d);
      else if (this.keepdims) shape.push(1);
    });
    const dtype: DType = this.kind === 'mean' ? 'float32' : this.kind.startsWith('arg') ? 'int32' : x.dtype === 'bool' ? 'int32' : x.dtype;
    return [{ dtype, shape }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    if (this.axis.length === 0) return [this.kind.startsWith('arg') ? tf.zeros(x.shape, 'int32') : x.clone()];
    const r = this.reduce(x);
    // tfjs-backend-webgpu's Prod ignores keepDims and its ArgMax of a 1-D input has shape [1]:
    // the shape is fixed here (a reshape touches no data), for every backend alike.
    const want = x.shape.flatMap((d, i) => (this.axis.includes(i) ? (this.keepdims ? [1] : []) : [d]));
    return [r.shape.length === want.length && r.shape.every((d, i) => d === want[i]) ? r : tf.reshape(r, want)];
  }
  private reduce(x: Tensor): Tensor {
    const k = this.keepdims;
    const xi = x.dtype === 'bool' ? tf.cast(x, this.kind === 'mean' ? 'float32' : 'int32') : x;
    switch (this.kind) {
      case 'sum': return tf.sum(xi, this.axis, k);
      case 'mean': return tf.mean(xi, this.axis, k);
      case 'max': return tf.max(xi, this.axis, k);
      case 'min': return tf.min(xi, this.axis, k);
      case 'prod': return tf.prod(xi, this.axis, k);
      default: {
        const r = this.kind === 'argmax' ? tf.argMax(xi, this.axis[0]) : tf.argMin(xi, this.axis[0]);
        return k ? tf.expandDims(r, this.axis[0]) : r;
      }
    }
  }

  override grad([x]: readonly ST[], [out]: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    if (this.kind.startsWith('arg') || x.dtype !== 'float32') return [null];
    const expand = (v: ST) => (this.keepdims ? v : dimshuffle(v, keepPattern(x.ndim, this.axis)));
    const gx = expand(g!);
    switch (this.kind) {
      case 'sum': return [broadcastLike(gx, x)];
      case 'mean': return [div(broadcastLike(gx, x), reducedCount(x, this.axis))];
      case 'max':
      case 'min': return [mul(gx, cast(eq(x, expand(out)), 'float32'))];
      default: {
        // Theano's Prod gradient, the product of the other entries, also where x has zeros
        // (prod/x would be 0/0 there): with no zero in the group it is prod/x; with exactly one,
        // the product of the non-zero entries at the zero and 0 elsewhere; with more, 0.
        const isZero = eq(x, 0);
        const safe = where(isZero, 1, x);
        const prodNonZero = expand(new Reduce('prod', this.axis, this.keepdims).make1(safe));
        const zeros = expand(new Reduce('sum', this.axis, this.keepdims).make1(cast(isZero, 'int32')));
        const others = where(eq(zeros, 0), div(prodNonZero, safe), where(and(eq(zeros, 1), isZero), prodNonZero, 0));
        return [mul(gx, others)];
      }
    }
  }
}

/** The dimshuffle pattern that puts back reduced axes as broadcastable 'x' dims. */
function keepPattern(rank: number, axes: number[]): (number | 'x')[] {
  let j = 0;
  return Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 'x' : j++));
}

/** The number of elements averaged: a number when static, else computed at run time. */
function reducedCount(x: ST, axes: number[]): ST | number {
  const dims: Shape = axes.map((a) => x.shape[a]);
  if (dims.every((d) => d !== null)) return (dims as number[]).reduce((a, b) => a * b, 1);
  return new AxesSize(axes).make1(x);
}

nameGeneric(Reduce, 'tfjs-reduce');
// A float32 sum over leading axes (a bias gradient) on wasm/cpu: one generated WebAssembly pass
// adding rows into the output; tfjs transposes the whole input first.
registerLowering(Reduce, {
  name: 'wasm-leading-sum',
  applies: (_ctx, [x], op) => op.kind === 'sum' && x.dtype === 'float32' && op.axis.length > 0 && op.axis.length < x.rank && op.axis.every((a) => a < op.axis.length),
  when: (ctx) => ctx.hostMemory,
  run: ([x], _ctx, op) => {
    const rest = x.shape.slice(op.axis.length);
    const out = leadingSum(x, op.axis.length, op.keepdims ? [...op.axis.map(() => 1), ...rest] : rest);
    return out && [out];
  },
});
// A float32 sum over every axis but one block of B ≥ 16 values per row (a conv bias gradient:
// N, C, H, W to C) on wasm/cpu: one generated WebAssembly pass reading the tensor in order.
registerLowering(Reduce, {
  name: 'wasm-block-sum',
  applies: (_ctx, [x], op) => op.kind === 'sum' && x.dtype === 'float32' && x.size > 0 && blockSumShape(x.shape, op.axis) !== undefined,
  when: (ctx, [x], op) => ctx.hostMemory && blockSumShape(x.shape, op.axis)![2] >= 16,
  run: ([x], _ctx, op) => {
    const out = blockSum(x, blockSumShape(x.shape, op.axis)!, x.shape.flatMap((d, i) => (op.axis.includes(i) ? (op.keepdims ? [1] : []) : [d])));
    return out && [out];
  },
});

/** The product of a tensor's run-time sizes along some axes, as a float32 scalar. */
export class AxesSize extends Op {
  readonly name = 'AxesSize';
  static override readonly props = ['axes'] as const;
  constructor(readonly axes: number[]) {
    super();
  }
  override inferTypes(): TensorType[] {
    return [{ dtype: 'float32', shape: [] }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [tf.scalar(this.axes.reduce((a, i) => a * x.shape[i], 1), 'float32')];
  }
  override grad(): (ST | null)[] {
    return [null];
  }
}

export type Axis = number | readonly number[] | null;
export interface ReduceOptions {
  axis?: Axis;
  keepdims?: boolean;
  /** Output dtype (Theano's `dtype=`), e.g. `mean(eq(a, b), 'float32')`. */
  dtype?: DType | 'float64';
}

function parseArgs(a: Axis | ReduceOptions | DType | 'float64' | undefined, keepdims: boolean | undefined): ReduceOptions {
  if (typeof a === 'string') return { dtype: a, keepdims };
  if (a !== null && typeof a === 'object' && !Array.isArray(a)) return a as ReduceOptions;
  return { axis: a as Axis, keepdims };
}

function reduce(kind: ReduceKind, x: TensorLike, a?: Axis | ReduceOptions | DType | 'float64', keepdims?: boolean): ST {
  const t = asTensor(x);
  const o = parseArgs(a, keepdims);
  let axes = normAxes(o.axis ?? null, t.ndim, kind);
  let src = t;
  if (kind.startsWith('arg')) {
    if (src.dtype === 'bool') src = cast(src, 'int32');
    if (o.axis === null || o.axis === undefined) {
      src = flatten(src, 1);
      axes = [0];
    } else if (axes.length !== 1) {
      throw new DTypeError(`${kind}: expected a single axis, received ${JSON.stringify(o.axis)}.`);
    }
  }
  const out = new Reduce(kind, axes, !!o.keepdims).make1(src);
  return o.dtype ? cast(out, checkDType(o.dtype, kind)) : out;
}

type ReduceFn = (x: TensorLike, axis?: Axis | ReduceOptions | DType | 'float64', keepdims?: boolean) => ST;
export const sum: ReduceFn = (x, a, k) => reduce('sum', x, a, k);
export const mean: ReduceFn = (x, a, k) => reduce('mean', x, a, k);
export const max: ReduceFn = (x, a, k) => reduce('max', x, a, k);
export const min: ReduceFn = (x, a, k) => reduce('min', x, a, k);
export const prod: ReduceFn = (x, a, k) => reduce('prod', x, a, k);
export const argmax: ReduceFn = (x, a, k) => reduce('argmax', x, a, k);
export const argmin: ReduceFn = (x, a, k) => reduce('argmin', x, a, k);
