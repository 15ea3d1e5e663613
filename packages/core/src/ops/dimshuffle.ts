import { ShapeError } from '../errors';
import { formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';

export type DimPattern = readonly (number | 'x')[];

/**
 * Theano's DimShuffle: reorders axes, inserts broadcastable axes ('x') and drops axes of size 1.
 * `dimshuffle(b, ['x', 0, 'x', 'x'])` turns a bias vector into a (1, C, 1, 1) tensor.
 */
export class DimShuffle extends Op {
  readonly name = 'DimShuffle';
  static override readonly props = ['pattern'] as const;
  readonly perm: number[];
  constructor(readonly pattern: DimPattern, readonly inputRank: number) {
    super();
    this.perm = pattern.filter((p): p is number => p !== 'x');
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    const where = `dimshuffle${x.name ? ` of '${x.name}'` : ''} with pattern ${JSON.stringify(this.pattern)}`;
    if (x.ndim !== this.inputRank) throw new ShapeError(`${where}: expected a tensor of rank ${this.inputRank}, received ${x.describe()}.`);
    const seen = new Set<number>();
    for (const p of this.perm) {
      if (!Number.isInteger(p) || p < 0 || p >= x.ndim || seen.has(p)) {
        throw new ShapeError(`${where}: ${p} is not a valid, unrepeated axis of ${x.describe()}.`);
      }
      seen.add(p);
    }
    x.shape.forEach((d, i) => {
      if (!seen.has(i) && d !== 1) {
        throw new ShapeError(`${where}: axis ${i} of shape ${formatShape(x.shape)} is dropped, but only axes of static size 1 can be dropped.`);
      }
    });
    return [{ dtype: x.dtype, shape: this.pattern.map((p) => (p === 'x' ? 1 : x.shape[p])) }];
  }
  isIdentity(): boolean {
    return this.pattern.length === this.inputRank && this.pattern.every((p, i) => p === i);
  }
  override perform([x]: Tensor[]): Tensor[] {
    const sorted = this.perm.every((p, i) => i === 0 || p > this.perm[i - 1]);
    const t = sorted ? x : tf.transpose(x, this.perm.concat(x.shape.map((_, i) => i).filter((i) => !this.perm.includes(i))));
    const shape = this.pattern.map((p) => (p === 'x' ? 1 : x.shape[p]));
    return [t === x ? tf.reshape(x, shape) : tf.reshape(t, shape)];
  }
  override grad([x]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    const inv: (number | 'x')[] = Array.from({ length: x.ndim }, (_, i) => {
      const pos = this.pattern.indexOf(i);
      return pos < 0 ? 'x' : pos;
    });
    return [dimshuffle(g!, inv)];
  }
}

export function dimshuffle(x: TensorLike, pattern: DimPattern): ST {
  const t = asTensor(x);
  const op = new DimShuffle(pattern, t.ndim);
  return op.isIdentity() ? t : op.make1(t);
}

/** Reverses the axes, or permutes them by `axes`. */
export function transpose(x: TensorLike, axes?: readonly number[]): ST {
  const t = asTensor(x);
  return dimshuffle(t, axes ?? t.shape.map((_, i) => t.ndim - 1 - i));
}
