import { z } from 'zod';
import { add, div, maximum, mul, pow, sqrt, square, sub, type SharedVariable } from '@lasagne-ts/core';
import { getOrComputeGrads } from './grads';
import { asScalar, decaySchema, epsilonSchema, learningRateSchema, oneMinus, type Hyper } from './hyper';
import { ruleOptions } from './options';
import { timeStep, zerosLike } from './state';
import type { LossOrGrads, UpdateMap } from './types';

export interface AdamOptions {
  /** Step size (default 0.001; Adamax: 0.002). */
  learningRate?: Hyper;
  /** Decay of the first-moment estimate, in [0, 1) (default 0.9). */
  beta1?: Hyper;
  /** Decay of the second-moment (Adamax: infinity-norm) estimate, in [0, 1) (default 0.999). */
  beta2?: Hyper;
  /** Numerical-stability constant (default 1e-8). */
  epsilon?: Hyper;
}

export const AdamSchema = z.object({
  learningRate: learningRateSchema.optional(),
  beta1: decaySchema('beta1').optional(),
  beta2: decaySchema('beta2').optional(),
  epsilon: epsilonSchema.optional(),
}).strict();

/**
 * Adam (Lasagne's `adam`, defaults learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8),
 * with the bias correction folded into the step size through a shared float32 time step `t`:
 *
 *     t := t + 1
 *     a_t = learningRate * sqrt(1 - beta2^t) / (1 - beta1^t)
 *     m := beta1 * m + (1 - beta1) * grad
 *     v := beta2 * v + (1 - beta2) * grad²
 *     param := param - a_t * m_new / (sqrt(v_new) + epsilon)
 *
 * Entries: per param its m, its v, then the param; finally t.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: adam(loss, [W], { learningRate: 0.1 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.9, 1.9]
 */
export function adam(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: AdamOptions | Hyper = {}): UpdateMap {
  return adamFamily('adam', lossOrGrads, params, options);
}

/**
 * Adam and AMSGrad (the rule names them): the same moments and bias-corrected step size
 * `a_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`; AMSGrad divides by the running maximum of v.
 */
export function adamFamily(rule: 'adam' | 'amsgrad', lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: AdamOptions | Hyper): UpdateMap {
  const o = ruleOptions(AdamSchema, options, rule);
  const grads = getOrComputeGrads(lossOrGrads, params, rule);
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? 0.999;
  const eps = asScalar(o.epsilon ?? 1e-8);
  const tPrev = timeStep(rule);
  const updates: UpdateMap = new Map();
  const t = add(tPrev, 1);
  const aT = div(mul(asScalar(o.learningRate ?? 0.001), sqrt(sub(1, pow(asScalar(beta2), t)))), sub(1, pow(asScalar(beta1), t)));
  params.forEach((param, i) => {
    const g = grads[i];
    const mPrev = zerosLike(param, 'm');
    const vPrev = zerosLike(param, 'v');
    const mT = add(mul(asScalar(beta1), mPrev), mul(oneMinus(beta1), g));
    const vT = add(mul(asScalar(beta2), vPrev), mul(oneMinus(beta2), square(g)));
    updates.set(mPrev, mT);
    updates.set(vPrev, vT);
    let second = vT;
    if (rule === 'amsgrad') {
      const vHatPrev = zerosLike(param, 'vHat');
      second = maximum(vHatPrev, vT);
      updates.set(vHatPrev, second);
    }
    updates.set(param, sub(param, div(mul(aT, mT), add(sqrt(second), eps))));
  });
  updates.set(tPrev, t);
  return updates;
}
