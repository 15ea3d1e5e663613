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
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: nesterovMomentum(loss, [W], { learningRate: 0.1, momentum: 0.9 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.62, 1.24]
 */
export function nesterovMomentum(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: SgdMomentumOptions | Hyper): UpdateMap {
  const o = ruleOptions(SgdMomentumSchema, options, 'nesterovMomentum');
  const updates = sgd(lossOrGrads, params, { learningRate: o.learningRate });
  return applyNesterovMomentum(updates, null, { momentum: o.momentum ?? 0.9 });
}
