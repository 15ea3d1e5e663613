import { ShapeError } from '../errors';
import { formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { basicSubtensor, slice } from './slicing';

/** Constant padding: `widths[i] = [before, after]` per axis, filled with `value`. */
export class Pad extends Op {
  readonly name = 'Pad';
  static override readonly props = ['widths', 'value'] as const;
  constructor(readonly widths: readonly (readonly [number, number])[], readonly value: number) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    if (this.widths.length !== x.ndim) throw new ShapeError(`pad: ${this.widths.length} widths for ${x.describe()}; give one [before, after] pair per axis.`);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (d === null ? null : d + this.widths[i][0] + this.widths[i][1])) }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [tf.pad(x, this.widths.map(([a, b]) => [a, b] as [number, number]), this.value)];
  }
  /** The gradient is the slice of g where x was placed. */
  override grad([x]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    void x;
    return [basicSubtensor(g!, this.widths.map(([a, b]) => slice(a, b > 0 ? -b : null)))];
  }
}

/**
 * `pad(x, widths, value)` (NumPy's constant `np.pad`): `widths` is one [before, after] pair (or
 * one number for both) per axis, or a single number for every axis.
 */
export function pad(x: TensorLike, widths: number | readonly (number | readonly [number, number])[], value = 0): ST {
  const t = asTensor(x);
  const list = typeof widths === 'number' ? t.shape.map(() => widths) : widths;
  const pairs = list.map((w) => (typeof w === 'number' ? ([w, w] as const) : ([w[0], w[1]] as const)));
  if (pairs.some((p) => p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new ShapeError(`pad: widths must be non-negative integers, received ${JSON.stringify(widths)} for ${t.describe()} ${formatShape(t.shape)}.`);
  }
  return new Pad(pairs, value).make1(t);
}
