import { add, asTensor, constant, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';
import type { Penalty } from './penalties';

/**
 * The total penalty of a tensor or a list of tensors (Lasagne's `apply_penalty`):
 * `Σ penalty(x)` over the list (0 for an empty list), or `penalty(x)` for a single tensor.
 * `penaltyOptions` are passed on to the penalty (Lasagne's `**kwargs`).
 */
export function applyPenalty<O>(tensorOrTensors: TensorLike | readonly TensorLike[], penalty: Penalty<O>, penaltyOptions?: O): SymbolicTensor {
  const call = (x: TensorLike) => (penaltyOptions === undefined ? penalty(asTensor(x)) : penalty(asTensor(x), penaltyOptions));
  if (!Array.isArray(tensorOrTensors)) return call(tensorOrTensors as TensorLike);
  const terms = (tensorOrTensors as readonly TensorLike[]).map(call);
  return terms.length ? terms.reduce((a, b) => add(a, b)) : constant(0, { dtype: 'float32' });
}
