import { z } from 'zod';
import { add, asTensor, clip, constant, div, mul, parseOptions, ShapeError, sqrt, square, sum, type TensorLike, type SymbolicTensor } from '@lasagne-ts/core';
import { asScalar, hyper, type Hyper } from './hyper';

export interface NormConstraintOptions {
  /**
   * The axes over which each norm is computed. Default by rank, as Lasagne: 2-d (dense W):
   * `[0]` (one norm per output unit); 3-, 4-, 5-d (conv W): every axis but 0 (one norm per filter).
   * Other ranks must give it.
   */
  normAxes?: readonly number[];
  /** Added to the norms before dividing (default 1e-7). */
  epsilon?: Hyper;
}

const Schema = z.object({
  normAxes: z.array(z.number().int()).optional(),
  epsilon: hyper('epsilon', { min: 0 }).optional(),
}).strict();

/**
 * Lasagne's default norm axes for a tensor of rank `ndim` (undefined where there is none).
 *
 * @example
 * defaultNormAxes(2); // [0]
 * defaultNormAxes(4); // [1, 2, 3]
 */
export function defaultNormAxes(ndim: number): number[] | undefined {
  if (ndim === 2) return [0];
  if (ndim >= 3 && ndim <= 5) return Array.from({ length: ndim - 1 }, (_, i) => i + 1);
  return undefined;
}

/**
 * Max-norm constraint (Lasagne's `norm_constraint(tensor_var, max_norm, norm_axes=None,
 * epsilon=1e-7)`): rescales the vectors of `tensorVar` whose L2 norm (over `normAxes`) exceeds
 * `maxNorm`:
 *
 *     norms = sqrt(sum(x², normAxes, keepdims))
 *     x * (clip(norms, 0, maxNorm) / (epsilon + norms))
 *
 * Use it on an update expression (`updates.set(W, normConstraint(updates.get(W)!, 3))`) or on a
 * gradient (a form of gradient clipping).
 *
 * @example
 * const W = shared([[3, 0], [4, 0]], { name: 'W' }); // column norms 5 and 0
 * compile([], normConstraint(W, 1))(); // [[0.6, 0], [0.8, 0]]
 */
export function normConstraint(tensorVar: TensorLike, maxNorm: Hyper, options: NormConstraintOptions = {}): SymbolicTensor {
  const o = parseOptions(Schema, options, 'normConstraint') as NormConstraintOptions;
  const max = parseOptions(z.object({ maxNorm: hyper('maxNorm', { min: 0 }) }), { maxNorm }, 'normConstraint').maxNorm as Hyper;
  const x = asTensor(tensorVar);
  const axes = o.normAxes ? [...o.normAxes] : defaultNormAxes(x.ndim);
  if (!axes) {
    throw new ShapeError(`normConstraint: unsupported tensor dimensionality ${x.ndim} (${x.describe()}); give normAxes (the defaults cover 2-d: [0], and 3- to 5-d: all axes but 0).`);
  }
  const norms = sqrt(sum(square(x), axes, true));
  const targetNorms = clip(norms, constant(0, { dtype: 'float32' }), asScalar(max));
  return mul(x, div(targetNorms, add(asScalar(o.epsilon ?? 1e-7), norms)));
}
