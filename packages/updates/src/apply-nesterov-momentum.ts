import { add, mul, sub, type SharedVariable } from '@lasagne-ts/core';
import { momentumArgs, type MomentumOptions, type UpdatesLike } from './apply-momentum';
import { zerosLike } from './state';
import type { UpdateMap } from './types';

/**
 * Lasagne's `apply_nesterov_momentum(updates, params=None, momentum=0.9)`: a copy of `updates`
 * where, for each param (default: every key), a new velocity `v` (zeros) is added:
 *
 *     x = momentum * v + updates[param] - param
 *     v := x
 *     param := momentum * x + updates[param]
 *
 * (the pylearn2 formulation that evaluates the gradient at the current parameters). The
 * velocities are appended after the existing entries, in `params` order.
 *
 * @example
 * const W = shared(new Float32Array([1, 2]), { name: 'W' });
 * const loss = sum(square(W));
 * const step = compile([], loss, { updates: applyNesterovMomentum(sgd(loss, [W], 0.1), [W], { momentum: 0.9 }) });
 * step(); // 5
 * Array.from(W.get().data); // [0.62, 1.24]
 */
export function applyNesterovMomentum(
  updates: UpdatesLike,
  paramsOrOptions?: readonly SharedVariable[] | MomentumOptions | null,
  options?: MomentumOptions,
): UpdateMap {
  const a = momentumArgs(updates, paramsOrOptions, options, 'applyNesterovMomentum');
  const out: UpdateMap = new Map(a.updates);
  for (const param of a.params) {
    const velocity = zerosLike(param, 'velocity');
    const upd = out.get(param)!;
    const x = sub(add(mul(a.momentum, velocity), upd), param);
    out.set(velocity, x);
    out.set(param, add(mul(a.momentum, x), upd));
  }
  return out;
}
