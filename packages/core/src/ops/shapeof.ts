import { tf, type Tensor } from '../tf';
import { constant } from '../graph/constant';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { isFullyKnown, normAxis } from '../shape';
import { prod } from './reduce';

/** `x.shape` as a symbolic int32 vector (only the shape is read, never the values). */
export class ShapeOf extends Op {
  readonly name = 'Shape';
  override readonly shapeOnly = true;
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [{ dtype: 'int32', shape: [x.ndim] }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [tf.tensor1d(x.shape, 'int32')];
  }
  override grad(): (ST | null)[] {
    return [null];
  }
}

/** The run-time size of one axis as an int32 scalar. */
export class DimOf extends Op {
  readonly name = 'Dim';
  static override readonly props = ['axis'] as const;
  override readonly shapeOnly = true;
  constructor(readonly axis: number) {
    super();
  }
  override inferTypes(): TensorType[] {
    return [{ dtype: 'int32', shape: [] }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [tf.scalar(x.shape[this.axis], 'int32')];
  }
  override grad(): (ST | null)[] {
    return [null];
  }
}

/** `T.shape(x)`: a constant when the static shape is fully known. */
export function shape(x: TensorLike): ST {
  const t = asTensor(x);
  if (isFullyKnown(t.shape)) return constant(Int32Array.from(t.shape), { dtype: 'int32' });
  return new ShapeOf().make1(t);
}

/** `x.shape[axis]` as a symbolic int32 scalar. */
export function dim(x: TensorLike, axis: number): ST {
  const t = asTensor(x);
  const a = normAxis(axis, t.ndim, 'dim');
  const d = t.shape[a];
  return d !== null ? constant(d, { dtype: 'int32' }) : new DimOf(a).make1(t);
}

/** The number of elements, as a symbolic int32 scalar. */
export function size(x: TensorLike): ST {
  const t = asTensor(x);
  return isFullyKnown(t.shape) ? constant(t.shape.reduce((a, b) => a * b, 1), { dtype: 'int32' }) : prod(shape(t));
}
