import { ShapeError } from '../errors';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { runHostKernel } from '../backend/host-memory';
import { nameGeneric, registerLowering } from '../lowering/registry';
import { tf, type Tensor } from '../tf';
import { cast } from './cast';
import { and, ge, le, mul } from './elemwise';

/** An op of one tensor with fixed bounds [lower, upper] whose output has the input's type (GradClip, Clip). */
abstract class Bounded extends Op {
  static override readonly props = ['lower', 'upper'] as const;
  constructor(readonly lower: number, readonly upper: number) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [x.type];
  }
}

/**
 * Theano's `gradient.grad_clip(x, lower, upper)`: the identity forward; backward, the incoming
 * gradient is clipped elementwise to [lower, upper] (Lasagne's recurrent `gradClipping`).
 */
export class GradClip extends Bounded {
  readonly name = 'GradClip';
  override perform([x]: Tensor[]): Tensor[] {
    return [x.clone()];
  }
  override grad(_x: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new Clip(this.lower, this.upper).make1(g!)];
  }
}

/**
 * `clip(x, lower, upper)` with fixed bounds, as one op: GradClip's gradient, computed at every
 * step of a recurrent layer's backward scan. NaN stays NaN (a diverging run must show it). On wasm
 * and cpu a host loop: wasm's Maximum and Minimum are scalar loops (~1 ms each on 100x400) and
 * its ClipByValue turns NaN into the lower bound.
 */
export class Clip extends Bounded {
  readonly name = 'Clip';
  override perform([x]: Tensor[]): Tensor[] {
    return [tf.minimum(tf.maximum(x, this.lower), this.upper)];
  }
  override grad([x]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [mul(g!, cast(and(ge(x, this.lower), le(x, this.upper)), 'float32'))];
  }
}

/** 'host-clip': on the in-process backends, a loop over the tensor's memory that keeps NaN. */
nameGeneric(Clip, 'tfjs-min-max');
registerLowering(Clip, {
  name: 'host-clip',
  applies: (_ctx, [x]) => x.dtype === 'float32',
  when: (ctx) => ctx.hostMemory,
  run: ([x], _ctx, op) => {
    const { lower: lo, upper: hi } = op;
    return runHostKernel([x], [x.shape], ([xv], [out]) => {
      for (let i = 0; i < xv.length; i++) {
        const v = xv[i];
        out[i] = v < lo ? lo : v > hi ? hi : v;
      }
    });
  },
});

/** `theano.gradient.grad_clip(x, lower, upper)`. */
export function gradClip(x: TensorLike, lower: number, upper: number): ST {
  if (!(lower <= upper)) throw new ShapeError(`gradClip: the lower bound ${lower} must not exceed the upper bound ${upper}.`);
  return new GradClip(lower, upper).make1(asTensor(x));
}
