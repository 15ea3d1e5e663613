import { buildFunctionGraph } from '../compile/build';
import { execute, Execution, type ProfileHook } from '../compile/executor';
import { makeProgram } from '../compile/maker';
import type { Constant } from '../graph/constant';
import type { Apply, InputVariable, SymbolicTensor } from '../graph/node';
import type { NodeProfiling } from '../graph/op';
import { HostTensor } from '../host';
import { tf, type Tensor } from '../tf';

/** A step's value: a backend tensor, or a host value (integer state such as a random stream's). */
export type InnerValue = Tensor | HostTensor;

/**
 * Runs a scan's inner graph for one step: values in, new values out (tensors owned by the
 * caller); `hook` is called after each node and `profile` receives nested programs' times
 * (profiling). `steps`: the program's nodes.
 */
export interface InnerExecutor {
  (args: InnerValue[], hook?: ProfileHook, profile?: NodeProfiling): InnerValue[];
  readonly steps: readonly Apply[];
}

/**
 * The inner graph made into a program like any compiled function's (built, rewritten by the
 * same passes, planned), run step by step by the project's executor. The step's inputs are bound
 * as they are (no upload, no copy); host values stay on the host (a random stream's state, int
 * counters), as do constants, uploaded once when a kernel needs them and kept. An output the
 * step computed on the host is handed back as a host value, so a state carried from step to
 * step never needs a device read (which webgpu could not do inside a step).
 */
export function innerExecutor(inputs: readonly InputVariable[], outputs: readonly SymbolicTensor[], backend: string): InnerExecutor {
  const program = makeProgram(buildFunctionGraph(inputs, outputs, { noDefaultUpdates: true }), { onUnusedInput: 'ignore' }, backend);
  const constants = new Map<Constant, Tensor>();
  const uploaded = (c: Constant) => () => {
    let t = constants.get(c);
    if (!t) constants.set(c, (t = tf.keep(tf.tensor(c.value.data, [...c.value.shape], c.dtype))));
    return t;
  };
  const step = (args: InnerValue[], hook?: ProfileHook, profile?: NodeProfiling): InnerValue[] => {
    const run = new Execution(program.plan, { backend, profile });
    try {
      program.inputs.forEach((v, i) => {
        const a = args[i];
        if (a instanceof HostTensor) run.bindHost(v, a);
        else run.bind(v, a, false);
      });
      for (const s of program.shared) {
        const h = s.getHost();
        if (h) run.bindHost(s, h, () => s.getTensor());
        else run.bind(s, s.getTensor(), false);
      }
      for (const c of program.constants) run.bindHost(c, c.value, uploaded(c));
      execute(run, hook);
      return program.outputs.map((v) => run.getHost(v) ?? run.take(v));
    } finally {
      run.dispose();
    }
  };
  return Object.assign(step, { steps: program.plan.steps });
}
