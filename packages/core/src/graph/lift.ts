import type { TensorValue } from '../host';
import { constant, weakScalar } from './constant';
import { SymbolicTensor } from './node';

/** Anything an op accepts as an operand: an expression, or a value lifted to a constant. */
export type TensorLike = SymbolicTensor | TensorValue;

export function asTensor(x: TensorLike): SymbolicTensor {
  if (x instanceof SymbolicTensor) return x;
  if (typeof x === 'number') return weakScalar(x);
  return constant(x);
}
