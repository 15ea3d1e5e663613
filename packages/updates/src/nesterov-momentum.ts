import type { SharedVariable } from '@lasagne-ts/core';
import { applyNesterovMomentum } from './apply-nesterov-momentum';
import type { Hyper } from './hyper';
import { SgdMomentumSchema, type SgdMomentumOptions } from './momentum';
import { ruleOptions } from './options';
import { sgd } from './sgd';
import type { LossOrGrads, UpdateMap } from './types';

/**
 * SGD with Nesterov momentum (Lasagne's `nesterov_momentum`): `sgd` followed by
 * `applyNesterovMomentum`:
 *
 *     velocity := momentum * velocity - learningRate * grad
 *     param := param + momentum * velocity - learningRate * grad
 *
 * Entries: every param (in order), then every velocity. Default momentum 0.9.
 */
export function nesterovMomentum(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: SgdMomentumOptions | Hyper): UpdateMap {
  const o = ruleOptions(SgdMomentumSchema, options, 'nesterovMomentum');
  const updates = sgd(lossOrGrads, params, { learningRate: o.learningRate });
  return applyNesterovMomentum(updates, null, { momentum: o.momentum ?? 0.9 });
}
