import { z } from 'zod';
import { add, div, mul, sqrt, square, sub, type SharedVariable } from '@lasagne-ts/core';
import { getOrComputeGrads } from './grads';
import { asScalar, decaySchema, epsilonSchema, learningRateSchema, oneMinus, type Hyper } from './hyper';
import { ruleOptions } from './options';
import { zerosLike } from './state';
import type { LossOrGrads, UpdateMap } from './types';

export interface AdadeltaOptions {
  /** Step size (default 1.0, as in the paper). */
  learningRate?: Hyper;
  /** Decay of both moving averages, in [0, 1) (default 0.95). */
  rho?: Hyper;
  /** Added under the square roots (default 1e-6); it makes the very first step non-zero. */
  epsilon?: Hyper;
}

const Schema = z.object({ learningRate: learningRateSchema.optional(), rho: decaySchema('rho').optional(), epsilon: epsilonSchema.optional() }).strict();

/**
 * Adadelta (Lasagne's `adadelta`, defaults learningRate 1.0, rho 0.95, epsilon 1e-6):
 *
 *     accu := rho * accu + (1 - rho) * grad²
 *     update = grad * sqrt(deltaAccu + epsilon) / sqrt(accu_new + epsilon)   (old deltaAccu)
 *     param := param - learningRate * update
 *     deltaAccu := rho * deltaAccu + (1 - rho) * update²
 *
 * Entries per param: its accumulator, the param, then its delta accumulator.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: adadelta(loss, [W]) });
 * step(); // 5
 * Array.from(W.get().data); // [0.995528, 1.995528]
 */
export function adadelta(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: AdadeltaOptions | Hyper = {}): UpdateMap {
  const o = ruleOptions(Schema, options, 'adadelta');
  const grads = getOrComputeGrads(lossOrGrads, params, 'adadelta');
  const lr = asScalar(o.learningRate ?? 1.0);
  const rho = asScalar(o.rho ?? 0.95);
  const oneMinusRho = oneMinus(o.rho ?? 0.95);
  const eps = asScalar(o.epsilon ?? 1e-6);
  const updates: UpdateMap = new Map();
  params.forEach((param, i) => {
    const g = grads[i];
    const accu = zerosLike(param, 'accu');
    const deltaAccu = zerosLike(param, 'deltaAccu');
    const accuNew = add(mul(rho, accu), mul(oneMinusRho, square(g)));
    updates.set(accu, accuNew);
    const update = div(mul(g, sqrt(add(deltaAccu, eps))), sqrt(add(accuNew, eps)));
    updates.set(param, sub(param, mul(lr, update)));
    updates.set(deltaAccu, add(mul(rho, deltaAccu), mul(oneMinusRho, square(update))));
  });
  return updates;
}
