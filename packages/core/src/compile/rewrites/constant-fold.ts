import { Constant } from '../../graph/constant';
import { HostTensor } from '../../host';
import { tf } from '../../tf';
import { runNode } from '../executor';
import { transform } from '../transform';
import type { ST } from '../../graph/node';

/** Evaluates nodes whose inputs are all constants once, at compile time. */
export function constantFoldRewrite(outputs: readonly ST[], backend: string): ST[] {
  return transform(outputs, (ap, ins) => {
    if (ap.op.stochastic || !ins.length || !ins.every((i) => i instanceof Constant)) return null;
    let values: HostTensor[] = [];
    tf.tidy(() => {
      const tensors = (ins as Constant[]).map((c) => tf.tensor(c.value.data, [...c.value.shape], c.dtype));
      const host = (ins as Constant[]).map((c) => c.value);
      values = runNode(ap, tensors, { backend, host }).map((t) => (t instanceof HostTensor ? t : HostTensor.fromTensor(t)));
    });
    return values.map((v) => new Constant(v));
  });
}
