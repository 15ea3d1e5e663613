import { ShapeError } from '../errors';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import type { Tensor } from '../tf';
import { clip } from './elemwise';


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
    return [clip(g!, this.lower, this.upper)];
  }
}

/** `theano.gradient.grad_clip(x, lower, upper)`. */
export function gradClip(x: TensorLike, lower: number, upper: number): ST {
  if (!(lower <= upper)) throw new ShapeError(`gradClip: the lower bound ${lower} must not exceed the upper bound ${upper}.`);
  return new GradClip(lower, upper).make1(asTensor(x));
}
