import { z } from 'zod';
import { add, GraphError, mul, parseOptions, SharedVariable, sub, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';
import { asTensorMap } from './update-map';
import { asScalar, decaySchema, type Hyper } from './hyper';
import { zerosLike } from './state';
import type { UpdateMap } from './types';

export interface MomentumOptions {
  /** The amount of momentum, in [0, 1) (default 0.9), or a symbolic scalar. */
  momentum?: Hyper;
}

export const MomentumSchema = z.object({ momentum: decaySchema('momentum').optional() }).strict();

/** The updates to modify: a Map (e.g. another rule's result) or `[shared, expression]` pairs. */
export type UpdatesLike = Map<SharedVariable, TensorLike> | Iterable<readonly [SharedVariable, TensorLike]>;

/**
 * Splits `applyMomentum(updates, params?, options?)`'s arguments: `params` may be omitted (or
 * null) to mean every key of `updates`, and the options may come second.
 */
export function momentumArgs(
  updates: UpdatesLike,
  paramsOrOptions: readonly SharedVariable[] | MomentumOptions | null | undefined,
  options: MomentumOptions | undefined,
  where: string,
): { updates: Map<SharedVariable, SymbolicTensor>; params: SharedVariable[]; momentum: SymbolicTensor } {
  const hasParams = Array.isArray(paramsOrOptions) || paramsOrOptions === null || paramsOrOptions === undefined;
  const o = parseOptions(MomentumSchema, hasParams ? options : paramsOrOptions, where) as MomentumOptions;
  const map = asTensorMap(updates, where);
  const params = hasParams && paramsOrOptions ? [...(paramsOrOptions as SharedVariable[])] : [...map.keys()];
  params.forEach((p, i) => {
    if (!(p instanceof SharedVariable)) throw new GraphError(`${where}: params must contain shared variables only; params[${i}] is ${String(p)}.`);
    if (!map.has(p)) throw new GraphError(`${where}: ${p.describe()} has no entry in the updates to apply momentum to.`);
  });
  return { updates: map, params, momentum: asScalar(o.momentum ?? 0.9) };
}

/**
 * Lasagne's `apply_momentum(updates, params=None, momentum=0.9)`: a copy of `updates` where,
 * for each param (default: every key), a new velocity `v` (zeros) is added:
 *
 *     x = momentum * v + updates[param]
 *     v := x - param
 *     param := x
 *
 * The velocities are appended after the existing entries, in `params` order.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: applyMomentum(sgd(loss, [W], 0.1), [W], { momentum: 0.9 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.8, 1.6]
 */
export function applyMomentum(
  updates: UpdatesLike,
  paramsOrOptions?: readonly SharedVariable[] | MomentumOptions | null,
  options?: MomentumOptions,
): UpdateMap {
  const a = momentumArgs(updates, paramsOrOptions, options, 'applyMomentum');
  const out: UpdateMap = new Map(a.updates);
  for (const param of a.params) {
    const velocity = zerosLike(param, 'velocity');
    const x = add(mul(a.momentum, velocity), out.get(param)!);
    out.set(velocity, sub(x, param));
    out.set(param, x);
  }
  return out;
}
