import { z } from 'zod';
import type { SharedVariable } from '@lasagne-ts/core';
import { applyMomentum } from './apply-momentum';
import { decaySchema, learningRateSchema, type Hyper } from './hyper';
import { ruleOptions } from './options';
import { sgd } from './sgd';
import type { LossOrGrads, UpdateMap } from './types';

export interface SgdMomentumOptions {
  /** Required: the step size (a number >= 0 or a symbolic scalar). */
  learningRate: Hyper;
  /** The amount of momentum, in [0, 1) (default 0.9). */
  momentum?: Hyper;
}

export const SgdMomentumSchema = z.object({ learningRate: learningRateSchema, momentum: decaySchema('momentum').optional() }).strict();

/**
 * SGD with momentum (Lasagne's `momentum`): `sgd` followed by `applyMomentum`:
 *
 *     velocity := momentum * velocity - learningRate * grad
 *     param := param + velocity
 *
 * Entries: every param (in order), then every velocity.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: momentum(loss, [W], { learningRate: 0.1, momentum: 0.9 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.8, 1.6]
 */
export function momentum(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: SgdMomentumOptions | Hyper): UpdateMap {
  const o = ruleOptions(SgdMomentumSchema, options, 'momentum');
  const updates = sgd(lossOrGrads, params, { learningRate: o.learningRate });
  return applyMomentum(updates, null, { momentum: o.momentum ?? 0.9 });
}
