import { ShapeError } from '../errors';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { hasHostMemory, runHostKernel } from '../backend/host-memory';
import { tf, type Tensor } from '../tf';
import { cast } from './cast';
import { and, ge, le, mul } from './elemwise';


/**
 * Theano's `gradient.grad_clip(x, lower, upper)`: the identity forward; backward, the incoming
 * gradient is clipped elementwise to [lower, upper] (Lasagne's recurrent `gradClipping`).
 */
export class GradClip extends Op {
  readonly name = 'GradClip';
  static override readonly props = ['lower', 'upper'] as const;
  constructor(readonly lower: number, readonly upper: number) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [x.type];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [x.clone()];
  }
  override grad(_x: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new ClipConst(this.lower, this.upper).make1(g!)];
  }
}

/**
 * `clip(x, lower, upper)` with fixed bounds, as one op: GradClip's gradient, computed at every
 * step of a recurrent layer's backward scan. NaN stays NaN (a diverging run must show it). On wasm
 * and cpu a host loop: wasm's Maximum and Minimum are scalar loops (~1 ms each on 100x400) and
 * its ClipByValue turns NaN into the lower bound.
 */
export class ClipConst extends Op {
  readonly name = 'Clip';
  constructor(readonly lower: number, readonly upper: number) {
    super();
  }
  override params(): unknown {
    return [this.lower, this.upper];
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [x.type];
  }
  override perform([x]: Tensor[]): Tensor[] {
    const { lower: lo, upper: hi } = this;
    if (x.dtype === 'float32' && hasHostMemory(tf.getBackend())) {
      return runHostKernel([x], [x.shape], ([xv], [out]) => {
        for (let i = 0; i < xv.length; i++) {
          const v = xv[i];
          out[i] = v < lo ? lo : v > hi ? hi : v;
        }
      });
    }
    return [tf.minimum(tf.maximum(x, lo), hi)];
  }
  override grad([x]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [mul(g!, cast(and(ge(x, this.lower), le(x, this.upper)), 'float32'))];
  }
}

/** `theano.gradient.grad_clip(x, lower, upper)`. */
export function gradClip(x: TensorLike, lower: number, upper: number): ST {
  if (!(lower <= upper)) throw new ShapeError(`gradClip: the lower bound ${lower} must not exceed the upper bound ${upper}.`);
  return new GradClip(lower, upper).make1(asTensor(x));
}
