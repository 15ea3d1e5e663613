import { z } from 'zod';
import { div, isElemwise, log, mul, OptionsError, parseOptions, relu, sigmoid, sub, type SymbolicTensor, type TensorLike, asTensor } from '@lasagne-ts/core';
import { alignTargets } from './align-targets';

export interface BinaryHingeLossOptions {
  /**
   * Required, as in Lasagne (whose default `None` raises): `true` if `predictions` are log-odds
   * (the sigmoid's input, e.g. a linear output), `false` if they are probabilities in (0, 1).
   */
  logOdds: boolean;
  /** The margin (default 1). */
  delta?: number;
  /** `true` (default) if targets are in {0, 1}, `false` if they are in {-1, 1}. */
  binary?: boolean;
}

const Schema = z.object({
  logOdds: z.boolean({ error: 'logOdds is required: true if predictions are log-odds (sigmoid inputs), false if they are sigmoid outputs in (0, 1)' }),
  delta: z.number().optional(),
  binary: z.boolean().optional(),
}).strict();

/**
 * Element-wise binary hinge loss (Lasagne's `binary_hinge_loss`):
 *
 *     L = max(0, delta - p * t)
 *
 * with `p` the log-odds (`log(p / (1 - p))` of probabilities when `logOdds` is false; for a
 * `sigmoid(z)` output that is `z` itself, taken directly) and `t` in {-1, 1} (`2t - 1` of {0, 1}
 * targets when `binary`).
 */
export function binaryHingeLoss(predictions: TensorLike, targets: TensorLike, options: BinaryHingeLossOptions): SymbolicTensor {
  if (options === undefined || options === null) {
    throw new OptionsError('binaryHingeLoss: pass { logOdds: true } if predictions are log-odds (sigmoid inputs) or { logOdds: false } if they are sigmoid outputs in (0, 1); Lasagne requires it explicitly.');
  }
  const o = parseOptions(Schema, options, 'binaryHingeLoss') as BinaryHingeLossOptions;
  let p = asTensor(predictions);
  let t = asTensor(targets);
  if (!o.logOdds) p = isElemwise(p.owner?.op, sigmoid) ? p.owner!.inputs[0] : log(div(p, sub(1, p)));
  if (o.binary ?? true) t = sub(mul(2, t), 1);
  [p, t] = alignTargets(p, t);
  return relu(sub(o.delta ?? 1, mul(p, t)));
}
