import { square, sub, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';
import { alignTargets } from './align-targets';

/** Element-wise squared difference (Lasagne's `squared_error`): `L = (a - b)²`. */
export function squaredError(a: TensorLike, b: TensorLike): SymbolicTensor {
  const [x, y] = alignTargets(a, b);
  return square(sub(x, y));
}
