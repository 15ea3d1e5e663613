import { compile } from '../compile/function';
import type { InputVariable, SymbolicTensor } from '../graph/node';
import type { Tensor } from '../tf';

/** Runs a scan's inner graph for one step: backend tensors in, new backend tensors out (owned by the caller). */
export type InnerExecutor = (args: Tensor[]) => Tensor[];

/**
 * The inner graph compiled like any function (so the rewrites apply to it too), with its
 * outputs left on the device for the next step.
 */
export function innerExecutor(inputs: readonly InputVariable[], outputs: readonly SymbolicTensor[], name: string): InnerExecutor {
  const fn = compile(inputs, outputs, { outputs: 'device', onUnusedInput: 'ignore', noDefaultUpdates: true, name: `${name} step` });
  return (args) => fn(...args) as Tensor[];
}
