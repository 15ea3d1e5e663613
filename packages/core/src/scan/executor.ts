import { buildFunctionGraph } from '../compile/build';
import { execute, Execution, type ProfileHook } from '../compile/executor';
import { makeProgram } from '../compile/maker';
import type { Constant } from '../graph/constant';
import type { Apply, InputVariable, SymbolicTensor } from '../graph/node';
import type { NodeProfiling } from '../graph/op';
import { tf, type Tensor } from '../tf';

/**
 * Runs a scan's inner graph for one step: backend tensors in, new backend tensors out (owned by
 * the caller); `hook` is called after each node and `profile` receives nested programs' times
 * (profiling). `steps`: the program's nodes.
 */
export interface InnerExecutor {
  (args: Tensor[], hook?: ProfileHook, profile?: NodeProfiling): Tensor[];
  readonly steps: readonly Apply[];
}

/**
 * The inner graph made into a program like any compiled function's (built, rewritten by the
 * same passes, planned), run step by step by the project's executor. The step's inputs are bound
 * as they are (no upload, no copy); constants are uploaded once and kept.
 */
export function innerExecutor(inputs: readonly InputVariable[], outputs: readonly SymbolicTensor[], backend: string): InnerExecutor {
  const program = makeProgram(buildFunctionGraph(inputs, outputs, { noDefaultUpdates: true }), { onUnusedInput: 'ignore' }, backend);
  const constants = new Map<Constant, Tensor>();
  const step = (args: Tensor[], hook?: ProfileHook, profile?: NodeProfiling): Tensor[] => {
    const run = new Execution(program.plan, { backend, profile });
    try {
      program.inputs.forEach((v, i) => run.bind(v, args[i], false));
      for (const s of program.shared) run.bind(s, s.getTensor(), false);
      for (const c of program.constants) {
        let t = constants.get(c);
        if (!t) constants.set(c, (t = tf.keep(tf.tensor(c.value.data, [...c.value.shape], c.dtype))));
        run.bind(c, t, false);
      }
      execute(run, hook);
      return program.outputs.map((v) => run.take(v));
    } finally {
      run.dispose();
    }
  };
  return Object.assign(step, { steps: program.plan.steps });
}
