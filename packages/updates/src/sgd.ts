import { z } from 'zod';
import { mul, sub, type SharedVariable } from '@lasagne-ts/core';
import { getOrComputeGrads } from './grads';
import { asScalar, learningRateSchema, type Hyper } from './hyper';
import { ruleOptions } from './options';
import type { LossOrGrads, UpdateMap } from './types';

export interface SgdOptions {
  /** Required: the step size (a number >= 0 or a symbolic scalar). */
  learningRate: Hyper;
}

const Schema = z.object({ learningRate: learningRateSchema }).strict();

/**
 * Stochastic gradient descent (Lasagne's `sgd`): `param := param - learningRate * grad`.
 * Returns the updates in `params` order.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: sgd(loss, [W], { learningRate: 0.1 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.8, 1.6]
 */
export function sgd(lossOrGrads: LossOrGrads, params: readonly SharedVariable[], options: SgdOptions | Hyper): UpdateMap {
  const o = ruleOptions(Schema, options, 'sgd');
  const grads = getOrComputeGrads(lossOrGrads, params, 'sgd');
  const lr = asScalar(o.learningRate);
  const updates: UpdateMap = new Map();
  params.forEach((p, i) => updates.set(p, sub(p, mul(lr, grads[i]))));
  return updates;
}
