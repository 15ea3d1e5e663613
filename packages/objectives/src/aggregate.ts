import { z } from 'zod';
import { asTensor, div, mean, mul, OptionsError, parseOptions, sum, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';

export type AggregateMode = 'mean' | 'sum' | 'normalized_sum';

export interface AggregateOptions {
  /** Weights broadcastable to the loss (e.g. a 0/1 mask). */
  weights?: TensorLike;
  /** 'mean' (default), 'sum', or 'normalized_sum' (sum(loss * w) / sum(w); needs weights). */
  mode?: AggregateMode;
}

const Schema = z.object({
  weights: z.any().optional(),
  mode: z.enum(['mean', 'sum', 'normalized_sum'], { error: "mode must be 'mean', 'sum' or 'normalized_sum'" }).optional(),
}).strict();

/**
 * Aggregates an element- or item-wise loss into a scalar (Lasagne's `aggregate`):
 *
 * - 'mean': `mean(loss * w)` (`mean(loss)` without weights)
 * - 'sum': `sum(loss * w)`
 * - 'normalized_sum': `sum(loss * w) / sum(w)`
 */
export function aggregate(loss: TensorLike, options: AggregateOptions = {}): SymbolicTensor {
  const o = parseOptions(Schema, options, 'aggregate') as AggregateOptions;
  let l = asTensor(loss);
  const w = o.weights === undefined || o.weights === null ? undefined : asTensor(o.weights);
  if (w) l = mul(l, w);
  switch (o.mode ?? 'mean') {
    case 'mean':
      return mean(l);
    case 'sum':
      return sum(l);
    default:
      if (!w) throw new OptionsError("aggregate: mode 'normalized_sum' requires weights.");
      return div(sum(l), sum(w));
  }
}
