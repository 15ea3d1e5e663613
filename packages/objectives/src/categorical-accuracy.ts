import { z } from 'zod';
import { add, and, arange, argmax, asTensor, cast, dim, dimshuffle, eq, gt, lt, parseOptions, ShapeError, sum, where, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';

export interface CategoricalAccuracyOptions {
  /** Correct when the target is among the `topK` largest predictions (default 1). */
  topK?: number;
}

const Schema = z.object({ topK: z.number().int().positive({ error: 'topK must be a positive integer' }).optional() }).strict();

/**
 * Item-wise categorical accuracy (Lasagne's `categorical_accuracy`), as float32 (1 correct,
 * 0 wrong; `mean` gives the accuracy). Not differentiable: for evaluation only.
 *
 * `targets`: int class indices (one per row), or one-hot rows shaped like `predictions` (their
 * argmax is taken). With `topK` 1: `argmax(p, -1) == t`. With `topK` k > 1: the target is among
 * the k largest predictions of its row. Ties are broken as `argmax` does (the lower class index
 * ranks first), so `topK: 1` and the general rule agree; a target's rank is
 * `#{j: p_j > p_t} + #{j < t: p_j == p_t}`.
 */
export function categoricalAccuracy(predictions: TensorLike, targets: TensorLike, options: CategoricalAccuracyOptions = {}): SymbolicTensor {
  const o = parseOptions(Schema, options, 'categoricalAccuracy') as CategoricalAccuracyOptions;
  const p = asTensor(predictions);
  let t = asTensor(targets);
  if (t.ndim === p.ndim) t = argmax(t, -1);
  else if (t.ndim !== p.ndim - 1) {
    throw new ShapeError(`categoricalAccuracy: rank mismatch between targets ${t.describe()} and predictions ${p.describe()}.`);
  }
  const k = o.topK ?? 1;
  if (k === 1) return cast(eq(argmax(p, -1), t), 'float32');
  const last = p.ndim - 1;
  const lead = Array.from({ length: last }, (_, i) => i);
  const classes = dimshuffle(arange(dim(p, last)), [...lead.map(() => 'x' as const), 0]); // (1, ..., 1, C)
  const tCol = dimshuffle(t, [...lead, 'x']); // (..., 1)
  const isTarget = eq(classes, tCol);
  const pT = sum(where(isTarget, p, 0), last, true); // the target's prediction, (..., 1)
  const above = sum(gt(p, pT), last);
  const tiedBefore = sum(and(eq(p, pT), lt(classes, tCol)), last);
  return cast(lt(add(above, tiedBefore), k), 'float32');
}
