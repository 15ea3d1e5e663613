import { arange, asTensor, dim, DTypeError, log, mul, neg, ShapeError, sum, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';
import { checkedClassIndices } from './class-indices';

/**
 * Item-wise categorical cross-entropy (Lasagne's `categorical_crossentropy`, Theano's
 * `nnet.categorical_crossentropy`):
 *
 * - `targets` an int vector of class indices (one per row of the 2-d `predictions`):
 *   `L_i = -log(p[i, t_i])` (Theano's `crossentropy_categorical_1hot`);
 * - `targets` a one-hot or probability matrix shaped like `predictions`:
 *   `L_i = -Σ_j t_ij log(p_ij)` (summed over the last axis).
 *
 * When `predictions` is a `softmax(x)`, core's `log` builds `log(p)` as `logSoftmax(x)`
 * (`x - logsumexp(x)`): finite losses and gradients even where a class probability underflows
 * to 0 in float32.
 */
export function categoricalCrossentropy(predictions: TensorLike, targets: TensorLike): SymbolicTensor {
  const p = asTensor(predictions);
  const t = asTensor(targets);
  if (t.ndim === p.ndim) return neg(sum(mul(t, log(p)), p.ndim - 1));
  if (t.ndim === p.ndim - 1) {
    if (p.ndim !== 2) {
      throw new ShapeError(`categoricalCrossentropy: class-index targets need 2-d predictions (rows of class probabilities), received ${p.describe()}.`);
    }
    if (t.dtype !== 'int32') {
      throw new DTypeError(`categoricalCrossentropy: a vector of targets must hold int32 class indices, received ${t.describe()}; use ivector() or cast it.`);
    }
    return neg(log(p.at(arange(dim(p, 0)), checkedClassIndices('categoricalCrossentropy', t, p))));
  }
  throw new ShapeError(`categoricalCrossentropy: targets must be a vector of class indices or a matrix shaped like the predictions; received ${t.describe()} for ${p.describe()}.`);
}
