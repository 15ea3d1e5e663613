import { isFloat } from '../dtype';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { nameGeneric, registerLowering } from '../lowering/registry';
import { cast } from './cast';
import { exp, mul } from './elemwise';

/** Backends whose Expm1 kernel is accurate near 0 (they call `Math.expm1` / libm's `expm1`). */
const ACCURATE_KERNEL = new Set(['cpu', 'wasm', 'tensorflow', 'tensorflow-gpu']);

/**
 * `expm1(x) = exp(x) − 1`, accurate for small |x| (where `exp(x) − 1` loses every digit:
 * at x = −1.5e−3 in float32 its error is ~3.5e−8). The GPU backends compute their Expm1 kernel
 * as `exp(x) − 1`; there it is Kahan's formula `(u − 1)·x / log(u)` with `u = exp(x)`, exact
 * where u rounds to 1 (the result is then x).
 */
export class Expm1 extends Op {
  readonly name = 'Expm1';
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: x.shape }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [tf.expm1(x)];
  }
  override grad([x]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [mul(g!, exp(x))];
  }
}

/** Kahan's `(u − 1)·x / log u`, u = exp(x), on the backends whose Expm1 kernel is `exp(x) − 1` (the GPU ones). */
function kahanExpm1(x: Tensor): Tensor {
  const u = tf.exp(x);
  const um1 = tf.sub(u, tf.scalar(1));
  const kahan = tf.div(tf.mul(um1, x), tf.log(u));
  // u == 1: x itself; u == 0 (x very negative): -1; u == inf: inf.
  const small = tf.where(tf.equal(u, tf.scalar(1)), x, kahan);
  return tf.where(tf.logicalOr(tf.equal(u, tf.scalar(0)), tf.isInf(u)), um1, small);
}

nameGeneric(Expm1, 'tfjs-expm1');
registerLowering(Expm1, { name: 'kahan', when: (ctx) => !ACCURATE_KERNEL.has(ctx.backend), run: ([x]) => [kahanExpm1(x)] });

/** `T.expm1(x)`: exp(x) − 1 without the cancellation near 0. */
export function expm1(x: TensorLike): ST {
  const t = asTensor(x);
  return new Expm1().make1(isFloat(t.dtype) ? t : cast(t, 'float32'));
}
