import { ShapeError } from '../errors';
import { formatShape, staticSize } from '../shape';
import { tf, type Tensor } from '../tf';
import { Constant } from '../graph/constant';
import { asTensor, type TensorLike } from '../graph/lift';
import { SymbolicTensor, type TensorType } from '../graph/node';
import { hostInput, Op, type PerformContext } from '../graph/op';
import { cast } from './cast';
import { stack, Stack } from './join';
import type { ST } from '../graph/node';

function resolveShape(spec: readonly number[], size: number, where: string, from: readonly (number | null)[]): number[] {
  const known = spec.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const free = spec.filter((d) => d === -1).length;
  if (free > 1) throw new ShapeError(`${where}: at most one -1 is allowed in the target shape ${JSON.stringify(spec)}.`);
  const out = spec.map((d) => (d === -1 ? size / known : d));
  if (out.reduce((a, b) => a * b, 1) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${where}: cannot reshape ${formatShape(from)} (${size} elements) to ${JSON.stringify(spec)}.`);
  }
  return out;
}

/** Reshape to a shape given as numbers (-1 once for "the rest"). */
export class Reshape extends Op {
  readonly name = 'Reshape';
  static override readonly props = ['spec'] as const;
  constructor(readonly spec: number[]) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    const size = staticSize(x.shape);
    if (size !== null) return [{ dtype: x.dtype, shape: resolveShape(this.spec, size, `reshape of ${x.describe()}`, x.shape) }];
    return [{ dtype: x.dtype, shape: this.spec.map((d) => (d === -1 ? null : d)) }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [tf.reshape(x, resolveShape(this.spec, x.size, 'reshape', x.shape))];
  }
  override grad([x]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [reshapeLike(g!, x)];
  }
}

/** Reshape to a shape computed in the graph (an int32 vector of static length). */
export class ReshapeDyn extends Op {
  readonly name = 'ReshapeDyn';
  override readonly hostInputs = [1];
  override inferTypes([x, s]: readonly ST[]): TensorType[] {
    if (s.ndim !== 1 || s.shape[0] === null) throw new ShapeError(`reshape: the target shape must be a vector of known length, received ${s.describe()}.`);
    const known = s.owner?.op instanceof Stack ? s.owner.inputs.map((i) => (i instanceof Constant ? (i.scalarValue() ?? null) : null)) : [];
    return [{ dtype: x.dtype, shape: Array.from({ length: s.shape[0] }, (_, i) => (known[i] !== undefined && known[i] !== -1 ? known[i] : null)) }];
  }
  override perform([x]: Tensor[], ctx: PerformContext): Tensor[] {
    return [tf.reshape(x, resolveShape(Array.from(hostInput(ctx, 1, this.name).data), x.size, 'reshape', x.shape))];
  }
  override grad([x]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [reshapeLike(g!, x), null];
  }
}

/** Reshape the first input to the run-time shape of the second (used by gradients). */
export class ReshapeLike extends Op {
  readonly name = 'ReshapeLike';
  override inferTypes([g, x]: readonly ST[]): TensorType[] {
    return [{ dtype: g.dtype, shape: x.shape }];
  }
  override perform([g, x]: Tensor[]): Tensor[] {
    return [tf.reshape(g, x.shape)];
  }
  override grad([g]: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    return [reshapeLike(gg!, g), null];
  }
}

export function reshapeLike(g: ST, x: ST): ST {
  return new ReshapeLike().make1(g, x);
}

/** Theano's flatten(x, ndim): keeps the first ndim-1 axes and merges the rest. */
export class Flatten extends Op {
  readonly name = 'Flatten';
  static override readonly props = ['outdim'] as const;
  constructor(readonly outdim: number) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    if (this.outdim < 1 || this.outdim > Math.max(1, x.ndim)) throw new ShapeError(`flatten: ndim must be between 1 and ${x.ndim}, received ${this.outdim} for ${x.describe()}.`);
    const rest = staticSize(x.shape.slice(this.outdim - 1));
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, this.outdim - 1), rest] }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    const lead = x.shape.slice(0, this.outdim - 1);
    return [tf.reshape(x, [...lead, x.size / Math.max(1, lead.reduce((a, b) => a * b, 1))])];
  }
  override grad([x]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [reshapeLike(g!, x)];
  }
}

export function flatten(x: TensorLike, ndim = 1): ST {
  return new Flatten(ndim).make1(asTensor(x));
}

/** `x.reshape(shape)`: numbers (with one -1), or symbolic scalars such as `shape(x)[0]`. */
export function reshape(x: TensorLike, shape: readonly (number | ST)[] | ST): ST {
  const t = asTensor(x);
  if (shape instanceof SymbolicTensor) return new ReshapeDyn().make1(t, cast(shape, 'int32'));
  if (shape.every((d): d is number => typeof d === 'number')) return new Reshape([...shape]).make1(t);
  return new ReshapeDyn().make1(t, stack(shape.map((d) => cast(asTensor(d), 'int32'))));
}
