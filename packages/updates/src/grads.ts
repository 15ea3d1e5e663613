import { grad, GraphError, SharedVariable, ShapeError, SymbolicTensor } from '@lasagne-ts/core';
import type { LossOrGrads } from './types';

/**
 * Lasagne's `get_or_compute_grads`: a list is taken as one gradient per parameter (its length
 * must match); a scalar expression is differentiated with `grad(loss, params)`. Every parameter
 * must be a shared variable (it is the thing the update will assign to).
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const [g] = getOrComputeGrads(loss, [W]);
 * compile([], g)(); // [2, 4]
 */
export function getOrComputeGrads(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], where = 'getOrComputeGrads'): SymbolicTensor[] {
  if (!Array.isArray(params)) throw new GraphError(`${where}: params must be an array of shared variables, received ${String(params)}.`);
  params.forEach((p, i) => {
    if (!(p instanceof SharedVariable)) {
      const what = p instanceof SymbolicTensor ? p.describe() : String(p);
      throw new GraphError(`${where}: params must contain shared variables only; params[${i}] is ${what}.`);
    }
  });
  if (Array.isArray(lossOrGrads)) {
    const grads = lossOrGrads as readonly SymbolicTensor[];
    if (grads.length !== params.length) {
      throw new GraphError(`${where}: got ${grads.length} gradient expressions for ${params.length} parameters.`);
    }
    grads.forEach((g, i) => {
      if (!(g instanceof SymbolicTensor)) throw new GraphError(`${where}: gradient ${i} is not a symbolic expression (received ${String(g)}).`);
      if (g.ndim !== params[i].ndim) throw new ShapeError(`${where}: gradient ${i} (${g.describe()}) does not have the rank of ${params[i].describe()}.`);
    });
    return [...grads];
  }
  if (!(lossOrGrads instanceof SymbolicTensor)) {
    throw new GraphError(`${where}: expected a scalar loss expression or an array of gradients, received ${String(lossOrGrads)}.`);
  }
  return grad(lossOrGrads, params);
}
