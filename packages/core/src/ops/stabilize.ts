import { Constant } from '../graph/constant';
import { asTensor, type TensorLike } from '../graph/lift';
import { isElemwise, logRaw, neg, sameElemwise, sigmoid, softplus, sub } from './elemwise';
import { AdvancedIndex, Take } from './advanced';
import { LogSoftmax, Softmax } from './nnet';
import { Subtensor } from './slicing';
import { DimShuffle } from './dimshuffle';
import type { ST } from '../graph/node';

const isOne = (x: ST) => x instanceof Constant && x.value.data.every((v) => v === 1);

/**
 * The stable form of `log(x)` when `x` is a softmax, a sigmoid, `1 - sigmoid`, or an indexing /
 * dimshuffle of a softmax (as in `-log(p[arange(n), y])`); undefined otherwise. Used both when
 * the expression is built (so gradients are taken of the stable form) and by the compile-time
 * rewrite for graphs assembled another way.
 */
export function tryStabilizeLog(x: ST): ST | undefined {
  const owner = x.owner;
  if (!owner) return undefined;
  const op = owner.op;
  if (op instanceof Softmax) return new LogSoftmax(op.axis).make1(owner.inputs[0]);
  if (isElemwise(op, sigmoid)) return neg(softplus(neg(owner.inputs[0])));
  if (isElemwise(op, sub) && isOne(owner.inputs[0]) && isElemwise(owner.inputs[1].owner?.op, sigmoid)) return neg(softplus(owner.inputs[1].owner!.inputs[0]));
  if (op instanceof AdvancedIndex || op instanceof Take || op instanceof Subtensor || op instanceof DimShuffle) {
    const inner = tryStabilizeLog(owner.inputs[0]);
    if (inner) return op.make([inner, ...owner.inputs.slice(1)])[owner.outputs.indexOf(x)];
  }
  return undefined;
}

/** Natural log. `log(softmax(x))` and `log(sigmoid(x))` are built in their stable forms. */
export function log(x: TensorLike): ST {
  const t = asTensor(x);
  return tryStabilizeLog(t) ?? logRaw(t);
}
sameElemwise(log, logRaw);
