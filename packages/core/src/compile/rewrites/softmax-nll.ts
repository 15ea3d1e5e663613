import { Constant } from '../../graph/constant';
import { AdvancedIndex, Arange } from '../../ops/advanced';
import { isElemwise, neg } from '../../ops/elemwise';
import { LogSoftmax, Softmax } from '../../ops/nnet';
import { Reduce } from '../../ops/reduce';
import { DimOf } from '../../ops/shapeof';
import { CrossentropySoftmax1Hot } from '../../ops/softmax-crossentropy';
import { transform } from '../transform';
import type { ST } from '../../graph/node';

/** `x` is a constant whose every value is `v`. */
const isConst = (x: ST, v: number) => x instanceof Constant && x.value.size > 0 && x.value.data.every((d) => d === v);

/** `w` has the rows of `z`: it is `z`, or a softmax / log-softmax of `z`'s rows. */
function sameRows(w: ST, z: ST): boolean {
  if (w === z) return true;
  const op = w.owner?.op;
  return (op instanceof Softmax || op instanceof LogSoftmax) && op.axis === 1 && sameRows(w.owner!.inputs[0], z);
}

/** `r` is `arange(n)` for the `n` rows of the matrix `z`: built from `dim(z, 0)` (or from a softmax of `z`), or folded to constants. */
function isRowRange(r: ST, z: ST): boolean {
  const owner = r.owner;
  if (owner?.op.name === 'KnownLength') return z.shape[0] !== null && r.shape[0] === z.shape[0] && isRowRange(owner.inputs[0], z);
  if (r instanceof Constant) return r.ndim === 1 && z.shape[0] === r.shape[0] && r.value.data.every((d, i) => d === i);
  if (!(owner?.op instanceof Arange) || !isConst(owner.inputs[0], 0) || !isConst(owner.inputs[2], 1)) return false;
  const stop = owner.inputs[1];
  if (stop instanceof Constant) return z.shape[0] !== null && stop.scalarValue() === z.shape[0];
  return stop.owner?.op instanceof DimOf && stop.owner.op.axis === 0 && sameRows(stop.owner.inputs[0], z);
}

/**
 * Theano's `crossentropy_to_crossentropy_with_softmax`: `-logSoftmax(z)[arange(n), y]` (what
 * `categoricalCrossentropy(softmax(z), y)` builds once `log(softmax)` is stabilised) becomes one
 * `CrossentropySoftmax1Hot(z, y)` node, one pass over the logits instead of a log-softmax, an
 * index and a negation. Gradients were taken before the rewrite, so they are unchanged.
 */
export function crossentropySoftmaxRewrite(outputs: readonly ST[]): ST[] {
  return transform(outputs, (ap, [picked]) => {
    if (!isElemwise(ap.op, neg)) return null;
    const index = picked.owner;
    if (!(index?.op instanceof AdvancedIndex) || index.inputs.length !== 3) return null;
    const [lsm, rows, y] = index.inputs;
    const op = lsm.owner?.op;
    if (!(op instanceof LogSoftmax) || lsm.ndim !== 2 || op.axis !== 1 || y.dtype !== 'int32') return null;
    const z = lsm.owner!.inputs[0];
    return isRowRange(rows, z) ? [new CrossentropySoftmax1Hot().make1(z, y)] : null;
  });
}

/**
 * Theano's `local_argmax_pushdown`: the softmax (or log-softmax) along an axis keeps the order of
 * the values along it, so `argmax(softmax(z), axis)` is `argmax(z, axis)` and the softmax is not
 * computed for it (an accuracy of a softmax classifier's output).
 */
export function argmaxPushdownRewrite(outputs: readonly ST[]): ST[] {
  return transform(outputs, (ap, [x]) => {
    const op = ap.op;
    if (!(op instanceof Reduce) || op.kind !== 'argmax' || op.axis.length !== 1) return null;
    const inner = x.owner?.op;
    if (!(inner instanceof Softmax || inner instanceof LogSoftmax) || inner.axis !== op.axis[0]) return null;
    return [new Reduce('argmax', op.axis, op.keepdims).make1(x.owner!.inputs[0])];
  });
}
