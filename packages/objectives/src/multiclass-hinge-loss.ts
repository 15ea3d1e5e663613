import { z } from 'zod';
import { add, arange, asTensor, dim, dimshuffle, eq, max, neq, parseOptions, relu, ShapeError, sub, sum, where, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';

export interface MulticlassHingeLossOptions {
  /** The margin (default 1). */
  delta?: number;
}

const Schema = z.object({ delta: z.number().optional() }).strict();

/**
 * Item-wise multi-class hinge loss (Lasagne's `multiclass_hinge_loss`):
 *
 *     L_i = max(0, max_{j != y_i} p_ij - p_{i,y_i} + delta)
 *
 * `predictions` a 2-d matrix (rows of class scores); `targets` an int vector of class indices or
 * a one-hot matrix (non-binary targets do not work, as in Lasagne).
 */
export function multiclassHingeLoss(predictions: TensorLike, targets: TensorLike, options: MulticlassHingeLossOptions = {}): SymbolicTensor {
  const o = parseOptions(Schema, options, 'multiclassHingeLoss') as MulticlassHingeLossOptions;
  const p = asTensor(predictions);
  const t = asTensor(targets);
  if (p.ndim !== 2) throw new ShapeError(`multiclassHingeLoss: expected 2-d predictions (rows of class scores), received ${p.describe()}.`);
  let isTarget: SymbolicTensor;
  if (t.ndim === p.ndim - 1) {
    // to_one_hot(targets, num_cls) as a mask: column index == target
    isTarget = eq(dimshuffle(arange(dim(p, 1)), ['x', 0]), dimshuffle(t, [0, 'x']));
  } else if (t.ndim === p.ndim) {
    isTarget = neq(t, 0);
  } else {
    throw new ShapeError(`multiclassHingeLoss: rank mismatch between targets ${t.describe()} and predictions ${p.describe()}.`);
  }
  const corrects = sum(where(isTarget, p, 0), 1);
  const rest = max(where(isTarget, -Infinity, p), 1);
  return relu(add(sub(rest, corrects), o.delta ?? 1));
}
