import { asTensor, dimshuffle, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';

/**
 * Lasagne's `align_targets`: when `predictions` is a column (static shape `(n, 1)`, as the
 * output of a one-unit layer) and `targets` a vector, the targets become a column too, so the
 * loss is computed item by item instead of broadcasting to `(n, n)`.
 */
export function alignTargets(predictions: TensorLike, targets: TensorLike): [SymbolicTensor, SymbolicTensor] {
  const p = asTensor(predictions);
  let t = asTensor(targets);
  if (p.ndim === 2 && p.shape[1] === 1 && t.ndim === 1) t = dimshuffle(t, [0, 'x']);
  return [p, t];
}
