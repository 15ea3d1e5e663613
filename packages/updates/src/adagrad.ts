import { z } from 'zod';
import { add, div, mul, sqrt, square, sub, type SharedVariable } from '@lasagne-ts/core';
import { getOrComputeGrads } from './grads';
import { asScalar, epsilonSchema, learningRateSchema, type Hyper } from './hyper';
import { ruleOptions } from './options';
import { zerosLike } from './state';
import type { LossOrGrads, UpdateMap } from './types';

export interface AdagradOptions {
  /** Step size (default 1.0). */
  learningRate?: Hyper;
  /** Added under the square root for numerical stability (default 1e-6). */
  epsilon?: Hyper;
}

const Schema = z.object({ learningRate: learningRateSchema.optional(), epsilon: epsilonSchema.optional() }).strict();

/**
 * Adagrad (Lasagne's `adagrad`, defaults learningRate 1.0, epsilon 1e-6):
 *
 *     accu := accu + grad²
 *     param := param - learningRate * grad / sqrt(accu_new + epsilon)
 *
 * Entries per param: its accumulator, then the param.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: adagrad(loss, [W], { learningRate: 0.1 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.9, 1.9]
 */
export function adagrad(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: AdagradOptions | Hyper = {}): UpdateMap {
  const o = ruleOptions(Schema, options, 'adagrad');
  const grads = getOrComputeGrads(lossOrGrads, params, 'adagrad');
  const lr = asScalar(o.learningRate ?? 1.0);
  const eps = asScalar(o.epsilon ?? 1e-6);
  const updates: UpdateMap = new Map();
  params.forEach((param, i) => {
    const g = grads[i];
    const accu = zerosLike(param, 'accu');
    const accuNew = add(accu, square(g));
    updates.set(accu, accuNew);
    updates.set(param, sub(param, div(mul(lr, g), sqrt(add(accuNew, eps)))));
  });
  return updates;
}
