import { DTypeError, ShapeError } from '../errors';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { hostInput, Op, type PerformContext } from '../graph/op';
import type { HostTensor } from '../host';
import { runHostKernel } from '../backend/host-memory';
import { nameGeneric, registerLowering, type Lowering } from '../lowering/registry';
import { AdvancedIndexGrad, arange, wrapIndices } from './advanced';
import { cast } from './cast';
import { dimshuffle } from './dimshuffle';
import { mul, sub } from './elemwise';
import { softmax } from './nnet';
import { dim } from './shapeof';

/** One class index per row, checked against `k` classes and wrapped as `x[arange(n), y]` does (`wrapIndices`). */
function classIndices(y: HostTensor, n: number, k: number): HostTensor['data'] {
  if (y.data.length !== n) throw new ShapeError(`crossentropySoftmax1Hot: ${y.data.length} class indices for ${n} rows; give one per row.`);
  return wrapIndices(y.data, k);
}

/**
 * Theano's `crossentropy_softmax_1hot`: `-log(softmax(x)[i, y_i])` per row of a matrix of
 * logits, computed as `logsumexp(x_i) - x_i[y_i]` in one pass (finite for any logits). The
 * `crossentropySoftmax` rewrite puts it in place of `-logSoftmax(x)[arange(n), y]`, the graph
 * Lasagne's `categorical_crossentropy(softmax(x), y)` builds.
 */
export class CrossentropySoftmax1Hot extends Op {
  readonly name = 'CrossentropySoftmax1Hot';
  override readonly hostInputs = [1];
  override inferTypes([x, y]: readonly ST[]): TensorType[] {
    if (x.ndim !== 2 || x.dtype !== 'float32') throw new ShapeError(`crossentropySoftmax1Hot: expected a float32 matrix of logits (rows by classes), received ${x.describe()}.`);
    if (y.ndim !== 1 || y.dtype !== 'int32') throw new DTypeError(`crossentropySoftmax1Hot: expected an int32 vector of class indices, received ${y.describe()}.`);
    return [{ dtype: 'float32', shape: [x.shape[0] ?? y.shape[0]] }];
  }
  override perform([x, y]: Tensor[], ctx: PerformContext): Tensor[] {
    const [n, k] = x.shape;
    const idx = classIndices(hostInput(ctx, 1, this.name), n, k);
    if (n === 0) return [tf.zeros([0])];
    const at = tf.tensor2d(Int32Array.from({ length: 2 * n }, (_, j) => (j % 2 ? idx[j >> 1] : j >> 1)), [n, 2], 'int32');
    return [tf.neg(tf.gatherND(tf.logSoftmax(x), at))];
  }
  override grad([x, y]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    // d/dx_ij = g_i (softmax(x)_ij - [j = y_i]): the softmax scaled by g, less g at each label.
    const atLabels = new AdvancedIndexGrad(2).make1(x, g!, arange(dim(x, 0)), y);
    return [sub(mul(softmax(x), dimshuffle(g!, [0, 'x'])), atLabels), null];
  }
}

/** One JS loop over the logits' memory (wasm, cpu), in float64 rounded once: ~0.05 ms for 500x10. */
const hostRows: Lowering<CrossentropySoftmax1Hot> = {
  name: 'host-rows-loop',
  applies: (_ctx, [x]) => x.dtype === 'float32' && x.size > 0,
  when: (ctx) => ctx.hostMemory,
  run([x], ctx, op) {
    const [n, k] = x.shape;
    const idx = classIndices(hostInput(ctx, 1, op.name), n, k);
    return runHostKernel([x], [[n]], ([a], [out]) => {
      for (let i = 0, r = 0; i < n; i++, r += k) {
        let max = -Infinity;
        for (let j = r; j < r + k; j++) max = Math.max(max, a[j]);
        let sum = 0;
        for (let j = r; j < r + k; j++) sum += Math.exp(a[j] - max);
        out[i] = Math.log(sum) + max - a[r + idx[i]];
      }
    });
  },
};

nameGeneric(CrossentropySoftmax1Hot, 'tfjs-log-softmax-gather');
registerLowering(CrossentropySoftmax1Hot, hostRows);

/** `-log(softmax(x)[i, y_i])` for each row `i` of the logits `x` (Theano's `crossentropy_softmax_1hot`). */
export function crossentropySoftmax1Hot(x: TensorLike, y: TensorLike): ST {
  const t = asTensor(y);
  if (t.dtype === 'float32') throw new DTypeError(`crossentropySoftmax1Hot: class indices must be int32, received ${t.describe()}.`);
  return new CrossentropySoftmax1Hot().make1(cast(asTensor(x), 'float32'), cast(t, 'int32'));
}
