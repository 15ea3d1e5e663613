import { tf, type Tensor } from '../tf';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import type { Shape } from '../shape';

/**
 * Sums a gradient down to the static shape of the operand it belongs to: over leading axes the
 * operand lacks and over axes where the operand is statically 1 but the gradient is not.
 * `out.sum` is the method (ops/reduce.ts's `sum`): reduce imports this module, so this module
 * cannot import reduce (sum and broadcast are each other's gradient).
 */
export function sumToShape(g: ST, shape: Shape): ST {
  let out = g;
  const lead = g.ndim - shape.length;
  if (lead > 0) out = out.sum(Array.from({ length: lead }, (_, i) => i));
  const axes = shape.flatMap((d, i) => (d === 1 && out.shape[i] !== 1 ? [i] : []));
  if (axes.length) out = out.sum(axes, true);
  return out;
}

/** Broadcasts its first input to the run-time shape of its second (whose values are not read). */
export class BroadcastLike extends Op {
  readonly name = 'BroadcastLike';
  override inferTypes([g, x]: readonly ST[]): TensorType[] {
    return [{ dtype: g.dtype, shape: x.shape }];
  }
  override perform([g, x]: Tensor[]): Tensor[] {
    // tf.broadcastTo lowers to Tile, which is slow on wasm (about 30 ms to spread a scalar over a
    // 2880x100 weight matrix, e.g. the gradient of an L2 penalty) and on cpu; multiplying by ones
    // broadcasts through the fast elementwise kernels.
    if (g.dtype === 'float32' || g.dtype === 'int32') return [tf.mul(tf.ones(x.shape, g.dtype), g)];
    return [tf.broadcastTo(g, x.shape)];
  }
  override grad([g]: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    return [sumToShape(gg!, g.shape), null];
  }
}

export function broadcastLike(g: ST, x: ST): ST {
  return new BroadcastLike().make1(g, x);
}
