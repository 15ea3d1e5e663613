import { asTensor, GraphError, SharedVariable, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';

/** A copy of an updates Map or list of pairs, with every value as an expression. */
export function asTensorMap(
  updates: Map<SharedVariable, TensorLike> | Iterable<readonly [SharedVariable, TensorLike]>,
  where: string,
): Map<SharedVariable, SymbolicTensor> {
  if (updates === null || updates === undefined || typeof (updates as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new GraphError(`${where}: expected updates as a Map or an array of [shared, expression] pairs, received ${String(updates)}.`);
  }
  const out = new Map<SharedVariable, SymbolicTensor>();
  for (const [k, v] of updates) {
    if (!(k instanceof SharedVariable)) throw new GraphError(`${where}: an update key must be a shared variable, received ${String(k)}.`);
    out.set(k, asTensor(v));
  }
  return out;
}
