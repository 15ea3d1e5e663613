import { ShapeError } from '../errors';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { basicSubtensor, slice } from './slicing';

/**
 * Spreads x apart with zeros: along axis i, x[k] goes to position k·factors[i] of an axis
 * `factors[i]` times longer (Theano's `x_dilated = zeros(...); x_dilated[::f] = x`).
 */
export class Dilate extends Op {
  readonly name = 'Dilate';
  static override readonly props = ['factors'] as const;
  constructor(readonly factors: readonly number[]) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    if (this.factors.length !== x.ndim) throw new ShapeError(`dilate: ${this.factors.length} factors for ${x.describe()}; give one per axis.`);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (d === null ? null : d * this.factors[i])) }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    let out = x;
    this.factors.forEach((f, axis) => {
      if (f === 1) return;
      // [..., n, ...] seen as [before, n, 1, after] -> pad the unit axis to f -> [..., n·f, ...].
      // Always a 4-d pad: tfjs-backend-webgpu's Pad shader fails to compile above rank 4.
      const size = (ds: readonly number[]) => ds.reduce((a, b) => a * b, 1);
      const e = tf.reshape(out, [size(out.shape.slice(0, axis)), out.shape[axis], 1, size(out.shape.slice(axis + 1))]);
      const shape = out.shape.map((d, i) => (i === axis ? d * f : d));
      out = tf.reshape(tf.pad(e, [[0, 0], [0, 0], [0, f - 1], [0, 0]]), shape);
    });
    return [out === x ? x.clone() : out];
  }
  /** The gradient reads back every factors[i]-th entry. */
  override grad(_x: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [basicSubtensor(g!, this.factors.map((f) => slice(null, null, f)))];
  }
}

/** `dilate(x, factors)`: x spread apart by zeros, factors[i] per axis (1 leaves an axis alone). */
export function dilate(x: TensorLike, factors: readonly number[]): ST {
  const t = asTensor(x);
  if (factors.some((f) => !Number.isInteger(f) || f < 1)) throw new ShapeError(`dilate: factors must be positive integers, received ${JSON.stringify(factors)}.`);
  return new Dilate([...factors]).make1(t);
}
