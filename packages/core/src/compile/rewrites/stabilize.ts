import { isElemwise, logRaw } from '../../ops/elemwise';
import { tryStabilizeLog } from '../../ops/stabilize';
import { transform } from '../transform';
import type { ST } from '../../graph/node';

/**
 * Replaces `log(softmax(x))` (also through indexing, as in `-log(p[arange(n), y])`),
 * `log(sigmoid(x))` and `log(1 - sigmoid(x))` by their stable forms. `log` already does this
 * while building, so this catches graphs assembled otherwise (e.g. by `givens`).
 */
export function stabilizeRewrite(outputs: readonly ST[]): ST[] {
  return transform(outputs, (ap, ins) => {
    if (!isElemwise(ap.op, logRaw)) return null;
    const stable = tryStabilizeLog(ins[0]);
    return stable ? [stable] : null;
  });
}
