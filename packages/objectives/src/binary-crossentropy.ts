import { add, log, mul, neg, sub, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';
import { alignTargets } from './align-targets';

/**
 * Element-wise binary cross-entropy (Lasagne's `binary_crossentropy`, Theano's
 * `nnet.binary_crossentropy`):
 *
 *     L = -(t * log(p) + (1 - t) * log(1 - p))
 *
 * `predictions` in (0, 1), e.g. a sigmoid output; `targets` in [0, 1]. When `predictions` is
 * `sigmoid(z)`, core's `log` builds `log(p)` and `log(1 - p)` as `-softplus(-z)` and
 * `-softplus(z)`: finite even where the sigmoid rounds to 0 or 1.
 */
export function binaryCrossentropy(predictions: TensorLike, targets: TensorLike): SymbolicTensor {
  const [p, t] = alignTargets(predictions, targets);
  return neg(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p)))));
}
