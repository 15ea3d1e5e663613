import { z } from 'zod';
import { cast, eq, ge, parseOptions, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';
import { alignTargets } from './align-targets';

export interface BinaryAccuracyOptions {
  /** Predictions >= threshold count as the positive class (default 0.5). */
  threshold?: number;
}

const Schema = z.object({ threshold: z.number().optional() }).strict();

/**
 * Element-wise binary accuracy (Lasagne's `binary_accuracy`): `1` where `(p >= threshold) == t`,
 * else `0`, as float32 (so `mean` gives the accuracy). Not differentiable: for evaluation only.
 */
export function binaryAccuracy(predictions: TensorLike, targets: TensorLike, options: BinaryAccuracyOptions = {}): SymbolicTensor {
  const o = parseOptions(Schema, options, 'binaryAccuracy') as BinaryAccuracyOptions;
  const [p, t] = alignTargets(predictions, targets);
  return cast(eq(ge(p, o.threshold ?? 0.5), t), 'float32');
}
