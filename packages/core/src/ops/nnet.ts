import { normAxis } from '../shape';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { runHostKernel } from '../backend/host-memory';
import { nameGeneric, registerLowering, type Lowering } from '../lowering/registry';
import { cast } from './cast';
import { exp, mul, sub } from './elemwise';
import { sum } from './reduce';

function moveLast(x: Tensor, axis: number, f: (t: Tensor) => Tensor): Tensor {
  if (axis === x.rank - 1) return f(x);
  const perm = x.shape.map((_, i) => i);
  perm.splice(axis, 1);
  perm.push(axis);
  const inv = perm.map((_, i) => perm.indexOf(i));
  return tf.transpose(f(tf.transpose(x, perm)), inv);
}

/** An op along one axis whose output has its input's shape (softmax, log-softmax). */
abstract class AlongAxis extends Op {
  static override readonly props = ['axis'] as const;
  constructor(readonly axis: number) {
    super();
  }
  protected abstract kernel(t: Tensor): Tensor;
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: x.shape }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [moveLast(x, this.axis, (t) => this.kernel(t))];
  }
}

/** Softmax along an axis (default the last, as Theano's softmax on a matrix's rows). */
export class Softmax extends AlongAxis {
  readonly name = 'Softmax';
  protected kernel(t: Tensor): Tensor {
    return tf.softmax(t);
  }
  override grad(_x: readonly ST[], [out]: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    // dx = y * (g - sum(g * y))
    return [mul(out, sub(g!, sum(mul(g!, out), this.axis, true)))];
  }
}

/** log(softmax(x)) computed as x - logsumexp(x): finite even where softmax underflows. */
export class LogSoftmax extends AlongAxis {
  readonly name = 'LogSoftmax';
  protected kernel(t: Tensor): Tensor {
    return tf.logSoftmax(t);
  }
  override grad(_x: readonly ST[], [out]: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    // dx = g - softmax(x) * sum(g)
    return [sub(g!, mul(exp(out), sum(g!, this.axis, true)))];
  }
}

/**
 * Softmax / log-softmax of the last axis as one JS loop over the tensor's memory (wasm, cpu), in
 * float64 rounded once: for small rows-by-classes inputs (a classifier's output, 500x10), where
 * tfjs' wasm kernels chain several passes with slow broadcasting (1.6 ms for 500x10 against
 * ~0.05 ms here). Larger inputs keep the tfjs kernels.
 */
function hostRowsLoop(log: boolean): Lowering<AlongAxis> {
  return {
    name: 'host-rows-loop',
    applies: (_ctx, [x], op) => x.dtype === 'float32' && op.axis === x.rank - 1,
    when: (ctx, [x]) => ctx.hostMemory && x.size <= 1 << 16,
    run: ([x]) =>
      runHostKernel([x], [x.shape], ([a], [out]) => {
        const m = x.shape[x.rank - 1];
        for (let r = 0; r < a.length; r += m) {
          let max = -Infinity;
          for (let j = r; j < r + m; j++) max = Math.max(max, a[j]);
          let sum = 0;
          for (let j = r; j < r + m; j++) sum += Math.exp(a[j] - max);
          const logSum = Math.log(sum);
          for (let j = r; j < r + m; j++) out[j] = log ? a[j] - max - logSum : Math.exp(a[j] - max) / sum;
        }
      }),
  };
}
nameGeneric(Softmax, 'tfjs-softmax');
nameGeneric(LogSoftmax, 'tfjs-log-softmax');
registerLowering(Softmax, hostRowsLoop(false));
registerLowering(LogSoftmax, hostRowsLoop(true));

export function softmax(x: TensorLike, axis = -1): ST {
  const t = cast(asTensor(x), 'float32');
  return new Softmax(normAxis(axis, t.ndim, 'softmax')).make1(t);
}

export function logSoftmax(x: TensorLike, axis = -1): ST {
  const t = cast(asTensor(x), 'float32');
  return new LogSoftmax(normAxis(axis, t.ndim, 'logSoftmax')).make1(t);
}
