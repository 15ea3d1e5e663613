import type { SharedVariable } from '@lasagne-ts/core';
import { adamFamily, type AdamOptions } from './adam';
import type { Hyper } from './hyper';
import type { LossOrGrads, UpdateMap } from './types';

/**
 * AMSGrad (Lasagne's `amsgrad`, defaults learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8):
 * Adam with the running maximum of the second-moment estimate in the denominator:
 *
 *     t := t + 1
 *     a_t = learningRate * sqrt(1 - beta2^t) / (1 - beta1^t)
 *     m := beta1 * m + (1 - beta1) * grad
 *     v := beta2 * v + (1 - beta2) * grad²
 *     vHat := max(vHat, v_new)
 *     param := param - a_t * m_new / (sqrt(vHat_new) + epsilon)
 *
 * Entries: per param its m, its v, its vHat, then the param; finally t.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: amsgrad(loss, [W], { learningRate: 0.1 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.9, 1.9]
 */
export function amsgrad(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: AdamOptions | Hyper = {}): UpdateMap {
  return adamFamily('amsgrad', lossOrGrads, params, options);
}
