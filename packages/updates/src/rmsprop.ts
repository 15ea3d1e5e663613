import { z } from 'zod';
import { add, div, mul, sqrt, square, sub, type SharedVariable } from '@lasagne-ts/core';
import { getOrComputeGrads } from './grads';
import { asScalar, decaySchema, epsilonSchema, learningRateSchema, oneMinus, type Hyper } from './hyper';
import { ruleOptions } from './options';
import { zerosLike } from './state';
import type { LossOrGrads, UpdateMap } from './types';

export interface RmspropOptions {
  /** Step size (default 1.0). */
  learningRate?: Hyper;
  /** Decay of the moving average of squared gradients, in [0, 1) (default 0.9). */
  rho?: Hyper;
  /** Added under the square root for numerical stability (default 1e-6). */
  epsilon?: Hyper;
}

const Schema = z.object({ learningRate: learningRateSchema.optional(), rho: decaySchema('rho').optional(), epsilon: epsilonSchema.optional() }).strict();

/**
 * RMSProp (Lasagne's `rmsprop`, defaults learningRate 1.0, rho 0.9, epsilon 1e-6):
 *
 *     accu := rho * accu + (1 - rho) * grad²
 *     param := param - learningRate * grad / sqrt(accu_new + epsilon)
 *
 * Entries per param: its accumulator, then the param.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: rmsprop(loss, [W], { learningRate: 0.1 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.683772, 1.683772]
 */
export function rmsprop(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: RmspropOptions | Hyper = {}): UpdateMap {
  const o = ruleOptions(Schema, options, 'rmsprop');
  const grads = getOrComputeGrads(lossOrGrads, params, 'rmsprop');
  const lr = asScalar(o.learningRate ?? 1.0);
  const rho = asScalar(o.rho ?? 0.9);
  const oneMinusRho = oneMinus(o.rho ?? 0.9);
  const eps = asScalar(o.epsilon ?? 1e-6);
  const updates: UpdateMap = new Map();
  params.forEach((param, i) => {
    const g = grads[i];
    const accu = zerosLike(param, 'accu');
    const accuNew = add(mul(rho, accu), mul(oneMinusRho, square(g)));
    updates.set(accu, accuNew);
    updates.set(param, sub(param, div(mul(lr, g), sqrt(add(accuNew, eps)))));
  });
  return updates;
}
