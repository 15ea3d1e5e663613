import { Constant } from '../../graph/constant';
import { HostTensor } from '../../host';
import { tf } from '../../tf';
import { runNode } from '../executor';
import { withCpuEngine } from '../host-eval';
import { transform } from '../transform';
import type { ST } from '../../graph/node';

/**
 * Evaluates nodes whose inputs are all constants once, at compile time, on the host (tfjs'
 * plain-JS engine, as Theano folds constants in C on the CPU): compiling never waits for a
 * device, which a backend that reads only asynchronously (webgpu) could not do, and a folded
 * value is the same on every backend.
 */
export function constantFoldRewrite(outputs: readonly ST[]): ST[] {
  return transform(outputs, (ap, ins) => {
    if (ap.op.stochastic || !ins.length || !ins.every((i) => i instanceof Constant)) return null;
    let values: HostTensor[] = [];
    withCpuEngine(() =>
      tf.tidy(() => {
        const tensors = (ins as Constant[]).map((c) => tf.tensor(c.value.data, [...c.value.shape], c.dtype));
        const host = (ins as Constant[]).map((c) => c.value);
        values = runNode(ap, tensors, { backend: 'cpu', host }).map((t) => (t instanceof HostTensor ? t : HostTensor.fromTensor(t)));
      }),
    );
    return values.map((v) => new Constant(v));
  });
}
