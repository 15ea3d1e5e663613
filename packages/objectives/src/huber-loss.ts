import { z } from 'zod';
import { abs, le, mul, parseOptions, sub, where, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';
import { alignTargets } from './align-targets';
import { squaredError } from './squared-error';

export interface HuberLossOptions {
  /** Where the loss turns from quadratic to linear (default 1, the SmoothL1 loss of Fast R-CNN). */
  delta?: number;
}

const Schema = z.object({ delta: z.number().positive({ error: 'delta must be > 0' }).optional() }).strict();

/**
 * Element-wise Huber loss (Lasagne's `huber_loss`):
 *
 *     L = 0.5 (t - p)²            where |t - p| <= delta
 *     L = delta (|t - p| - delta/2)  elsewhere
 */
export function huberLoss(predictions: TensorLike, targets: TensorLike, options: HuberLossOptions = {}): SymbolicTensor {
  const o = parseOptions(Schema, options, 'huberLoss') as HuberLossOptions;
  const delta = o.delta ?? 1;
  const [p, t] = alignTargets(predictions, targets);
  const absDiff = abs(sub(t, p));
  const ift = mul(0.5, squaredError(t, p));
  const iff = mul(delta, sub(absDiff, delta / 2));
  return where(le(absDiff, delta), ift, iff);
}
