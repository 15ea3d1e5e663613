import { add, div, maximum, mul, sqrt, square, sub, type SharedVariable } from '@lasagne-ts/core';
import { AdamSchema, biasCorrectedRate, type AdamOptions } from './adam';
import { getOrComputeGrads } from './grads';
import { asScalar, oneMinus, type Hyper } from './hyper';
import { ruleOptions } from './options';
import { timeStep, zerosLike } from './state';
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
 */
export function amsgrad(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: AdamOptions | Hyper = {}): UpdateMap {
  const o = ruleOptions(AdamSchema, options, 'amsgrad');
  const grads = getOrComputeGrads(lossOrGrads, params, 'amsgrad');
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? 0.999;
  const eps = asScalar(o.epsilon ?? 1e-8);
  const tPrev = timeStep('amsgrad');
  const updates: UpdateMap = new Map();
  const t = add(tPrev, 1);
  const aT = biasCorrectedRate(o.learningRate ?? 0.001, beta1, beta2, t);
  params.forEach((param, i) => {
    const g = grads[i];
    const mPrev = zerosLike(param, 'm');
    const vPrev = zerosLike(param, 'v');
    const vHatPrev = zerosLike(param, 'vHat');
    const mT = add(mul(asScalar(beta1), mPrev), mul(oneMinus(beta1), g));
    const vT = add(mul(asScalar(beta2), vPrev), mul(oneMinus(beta2), square(g)));
    const vHatT = maximum(vHatPrev, vT);
    const step = div(mul(aT, mT), add(sqrt(vHatT), eps));
    updates.set(mPrev, mT);
    updates.set(vPrev, vT);
    updates.set(vHatPrev, vHatT);
    updates.set(param, sub(param, step));
  });
  updates.set(tPrev, t);
  return updates;
}
