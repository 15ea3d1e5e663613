import { abs, add, div, maximum, mul, pow, sub, type SharedVariable } from '@lasagne-ts/core';
import { AdamSchema, type AdamOptions } from './adam';
import { getOrComputeGrads } from './grads';
import { asScalar, oneMinus, type Hyper } from './hyper';
import { ruleOptions } from './options';
import { timeStep, zerosLike } from './state';
import type { LossOrGrads, UpdateMap } from './types';

/**
 * Adamax (Lasagne's `adamax`, defaults learningRate 0.002, beta1 0.9, beta2 0.999, epsilon 1e-8),
 * Adam's variant based on the infinity norm:
 *
 *     t := t + 1
 *     a_t = learningRate / (1 - beta1^t)
 *     m := beta1 * m + (1 - beta1) * grad
 *     u := max(beta2 * u, |grad|)
 *     param := param - a_t * m_new / (u_new + epsilon)
 *
 * Entries: per param its m, its u, then the param; finally t.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: adamax(loss, [W], { learningRate: 0.1 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.9, 1.9]
 */
export function adamax(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: AdamOptions | Hyper = {}): UpdateMap {
  const o = ruleOptions(AdamSchema, options, 'adamax');
  const grads = getOrComputeGrads(lossOrGrads, params, 'adamax');
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? 0.999;
  const eps = asScalar(o.epsilon ?? 1e-8);
  const tPrev = timeStep('adamax');
  const updates: UpdateMap = new Map();
  const t = add(tPrev, 1);
  const aT = div(asScalar(o.learningRate ?? 0.002), sub(1, pow(asScalar(beta1), t)));
  params.forEach((param, i) => {
    const g = grads[i];
    const mPrev = zerosLike(param, 'm');
    const uPrev = zerosLike(param, 'u');
    const mT = add(mul(asScalar(beta1), mPrev), mul(oneMinus(beta1), g));
    const uT = maximum(mul(asScalar(beta2), uPrev), abs(g));
    const step = div(mul(aT, mT), add(uT, eps));
    updates.set(mPrev, mT);
    updates.set(uPrev, uT);
    updates.set(param, sub(param, step));
  });
  updates.set(tPrev, t);
  return updates;
}
