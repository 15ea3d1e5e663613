import { abs, square, sum, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';

/** A penalty: a tensor in, a scalar cost out (optionally with options, Lasagne's `**kwargs`). */
export type Penalty<O = never> = (x: SymbolicTensor, options?: O) => SymbolicTensor;

/** L1 norm (Lasagne's `l1`): `sum(|x|)`. */
export function l1(x: TensorLike): SymbolicTensor {
  return sum(abs(x));
}

/** Squared L2 norm (Lasagne's `l2`): `sum(x²)` (no ½). */
export function l2(x: TensorLike): SymbolicTensor {
  return sum(square(x));
}
