import { z } from 'zod';
import { add, asTensor, clip, constant, div, GraphError, mul, parseOptions, sqrt, square, sum, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';
import { asScalar, hyper, type Hyper } from './hyper';

export interface TotalNormConstraintOptions {
  /** Added to the norm before dividing (default 1e-7). */
  epsilon?: Hyper;
  /** Also return the combined norm before rescaling (to monitor training). */
  returnNorm?: boolean;
}

const Schema = z.object({
  epsilon: hyper('epsilon', { min: 0 }).optional(),
  returnNorm: z.boolean().optional(),
}).strict();

/**
 * Rescales a list of tensors (typically all gradients) by their combined L2 norm (Lasagne's
 * `total_norm_constraint(tensor_vars, max_norm, epsilon=1e-7, return_norm=False)`):
 *
 *     norm = sqrt(Σ_i sum(x_i²))
 *     x_i * (clip(norm, 0, maxNorm) / (epsilon + norm))
 *
 * With `{ returnNorm: true }` it returns `[scaled, norm]` (Lasagne's tuple).
 *
 * @example
 * const [a, b] = totalNormConstraint([constant([3]), constant([4])], 1);
 * compile([], [a, b])(); // [[0.6], [0.8]]
 */
export function totalNormConstraint(tensorVars: readonly TensorLike[], maxNorm: Hyper, options: TotalNormConstraintOptions & { returnNorm: true }): [SymbolicTensor[], SymbolicTensor];
export function totalNormConstraint(tensorVars: readonly TensorLike[], maxNorm: Hyper, options?: TotalNormConstraintOptions & { returnNorm?: false }): SymbolicTensor[];
export function totalNormConstraint(tensorVars: readonly TensorLike[], maxNorm: Hyper, options?: TotalNormConstraintOptions): SymbolicTensor[] | [SymbolicTensor[], SymbolicTensor];
export function totalNormConstraint(tensorVars: readonly TensorLike[], maxNorm: Hyper, options: TotalNormConstraintOptions = {}): SymbolicTensor[] | [SymbolicTensor[], SymbolicTensor] {
  const o = parseOptions(Schema, options, 'totalNormConstraint') as TotalNormConstraintOptions;
  const max = parseOptions(z.object({ maxNorm: hyper('maxNorm', { min: 0 }) }), { maxNorm }, 'totalNormConstraint').maxNorm as Hyper;
  if (!Array.isArray(tensorVars) || tensorVars.length === 0) {
    throw new GraphError('totalNormConstraint: expected a non-empty array of tensors.');
  }
  const xs = tensorVars.map(asTensor);
  const norm = sqrt(xs.map((x) => sum(square(x))).reduce((a, b) => add(a, b)));
  const targetNorm = clip(norm, constant(0, { dtype: 'float32' }), asScalar(max));
  const multiplier = div(targetNorm, add(asScalar(o.epsilon ?? 1e-7), norm));
  const scaled = xs.map((x) => mul(x, multiplier));
  return o.returnNorm ? [scaled, norm] : scaled;
}
