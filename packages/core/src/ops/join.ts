import { upcast } from '../dtype';
import { ShapeError } from '../errors';
import { formatShape, normAxis } from '../shape';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { cast } from './cast';

function checkSameExcept(op: string, xs: readonly ST[], axis: number | null): void {
  const r = xs[0].ndim;
  for (const x of xs) {
    const bad = x.ndim !== r || x.shape.some((d, i) => i !== axis && d !== null && xs[0].shape[i] !== null && d !== xs[0].shape[i]);
    if (bad) {
      throw new ShapeError(`${op}: every input must have shape ${formatShape(xs[0].shape)}${axis === null ? '' : ` except along axis ${axis}`}, received ${formatShape(x.shape)}.`);
    }
  }
}

export class Concatenate extends Op {
  readonly name = 'Concatenate';
  static override readonly props = ['axis'] as const;
  constructor(readonly axis: number) {
    super();
  }
  override inferTypes(xs: readonly ST[]): TensorType[] {
    checkSameExcept('concatenate', xs, this.axis);
    const shape = xs[0].shape.map((_, i) => {
      const ds = xs.map((x) => x.shape[i]);
      if (i === this.axis) return ds.some((d) => d === null) ? null : (ds as number[]).reduce((a, b) => a + b, 0);
      return ds.find((d) => d !== null) ?? null;
    });
    return [{ dtype: xs[0].dtype, shape }];
  }
  override perform(xs: Tensor[]): Tensor[] {
    return [tf.concat(xs, this.axis)];
  }
  override grad(xs: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return xs.map((x, i) => (x.dtype === 'float32' ? new SplitPart(this.axis, i).make1(g!, ...xs) : null));
  }
}

/** Piece `index` of a tensor split along `axis` into the run-time sizes of the other inputs. */
export class SplitPart extends Op {
  readonly name = 'SplitPart';
  static override readonly props = ['axis', 'index'] as const;
  constructor(readonly axis: number, readonly index: number) {
    super();
  }
  override inferTypes([g, ...xs]: readonly ST[]): TensorType[] {
    return [{ dtype: g.dtype, shape: xs[this.index].shape }];
  }
  override perform([g, ...xs]: Tensor[]): Tensor[] {
    const begin = g.shape.map(() => 0);
    begin[this.axis] = xs.slice(0, this.index).reduce((a, x) => a + x.shape[this.axis], 0);
    const size = g.shape.map((d, i) => (i === this.axis ? xs[this.index].shape[this.axis] : d));
    return [tf.slice(g, begin, size)];
  }
  /** Linear in g: its gradient puts gg back at the piece's place (the other inputs only give the sizes). */
  override grad([, ...xs]: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    return [new SplitPartGrad(this.axis, this.index).make1(gg!, ...xs), ...xs.map(() => null)];
  }
}

/** The transpose of SplitPart: g placed at piece `index` along `axis`, zeros where the other pieces are. */
export class SplitPartGrad extends Op {
  readonly name = 'SplitPartGrad';
  static override readonly props = ['axis', 'index'] as const;
  constructor(readonly axis: number, readonly index: number) {
    super();
  }
  override inferTypes([g, ...xs]: readonly ST[]): TensorType[] {
    return new Concatenate(this.axis).inferTypes(xs.map((x, i) => (i === this.index ? g : x))).map((t) => ({ ...t, dtype: g.dtype }));
  }
  override perform([g, ...xs]: Tensor[]): Tensor[] {
    const before = xs.slice(0, this.index).reduce((a, x) => a + x.shape[this.axis], 0);
    const after = xs.slice(this.index + 1).reduce((a, x) => a + x.shape[this.axis], 0);
    return [tf.pad(g, g.shape.map((_, i) => (i === this.axis ? [before, after] : [0, 0]) as [number, number]))];
  }
  override grad([, ...xs]: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    return [new SplitPart(this.axis, this.index).make1(gg!, ...xs), ...xs.map(() => null)];
  }
}

export class Stack extends Op {
  readonly name = 'Stack';
  static override readonly props = ['axis'] as const;
  constructor(readonly axis: number) {
    super();
  }
  override inferTypes(xs: readonly ST[]): TensorType[] {
    checkSameExcept('stack', xs, null);
    const shape = xs[0].shape.map((_, i) => xs.map((x) => x.shape[i]).find((d) => d !== null) ?? null);
    shape.splice(this.axis, 0, xs.length);
    return [{ dtype: xs[0].dtype, shape }];
  }
  override perform(xs: Tensor[]): Tensor[] {
    return [tf.stack(xs, this.axis)];
  }
  override grad(xs: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return xs.map((x, i) => (x.dtype === 'float32' ? new IndexAxis(this.axis, i).make1(g!) : null));
  }
}

/** `x[..., i, ...]` for a static index along one axis (drops the axis). */
export class IndexAxis extends Op {
  readonly name = 'IndexAxis';
  static override readonly props = ['axis', 'index'] as const;
  constructor(readonly axis: number, readonly index: number) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => i !== this.axis) }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    const begin = x.shape.map((_, i) => (i === this.axis ? this.index : 0));
    const size = x.shape.map((d, i) => (i === this.axis ? 1 : d));
    return [tf.squeeze(tf.slice(x, begin, size), [this.axis])];
  }
  override grad([x]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new IndexAxisGrad(this.axis, this.index).make1(x, g!)];
  }
}

/** Zeros shaped like the first input with the second placed at index `index` of `axis`. */
export class IndexAxisGrad extends Op {
  readonly name = 'IndexAxisGrad';
  static override readonly props = ['axis', 'index'] as const;
  constructor(readonly axis: number, readonly index: number) {
    super();
  }
  override inferTypes([x, g]: readonly ST[]): TensorType[] {
    return [{ dtype: g.dtype, shape: x.shape }];
  }
  override perform([x, g]: Tensor[]): Tensor[] {
    const pad = x.shape.map((d, i) => (i === this.axis ? [this.index, d - this.index - 1] : [0, 0]) as [number, number]);
    return [tf.pad(tf.expandDims(g, this.axis), pad)];
  }
  /** Linear in g: its gradient is IndexAxis of gg (x only gives the shape). */
  override grad(_i: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    return [null, new IndexAxis(this.axis, this.index).make1(gg!)];
  }
}

export function concatenate(xs: readonly TensorLike[], axis = 0): ST {
  const ts = xs.map(asTensor);
  if (!ts.length) throw new ShapeError('concatenate: expected at least one tensor, received none.');
  const dt = upcast(...ts.map((t) => t.dtype));
  return new Concatenate(normAxis(axis, ts[0].ndim, 'concatenate')).make1(...ts.map((t) => cast(t, dt)));
}

export function stack(xs: readonly TensorLike[], axis = 0): ST {
  const ts = xs.map(asTensor);
  if (!ts.length) throw new ShapeError('stack: expected at least one tensor, received none.');
  const dt = upcast(...ts.map((t) => t.dtype));
  return new Stack(normAxis(axis, ts[0].ndim + 1, 'stack')).make1(...ts.map((t) => cast(t, dt)));
}
