import { DTypeError, GraphError } from '../errors';
import { asTensor, type TensorLike } from '../graph/lift';
import { InputVariable, SymbolicTensor } from '../graph/node';
import { SharedVariable } from '../graph/shared';
import { transform } from './transform';
import { normalizeUpdates, withDefaultUpdates, type Updates } from './updates';
import type { ST } from '../graph/node';

export type Givens = Map<ST, TensorLike> | Iterable<readonly [ST, TensorLike]>;

/**
 * The graph a compiled function computes, before rewriting (PyTensor's `FunctionGraph` as
 * `std_fgraph` builds it): the outputs, then one expression per update, all with givens
 * substituted. Updates are extra outputs whose values go to `updateTargets` instead of the caller.
 */
export interface FunctionGraph {
  inputs: readonly InputVariable[];
  /** `outputs.length` user outputs followed by the update expressions, in `updateTargets` order. */
  exprs: ST[];
  nOutputs: number;
  /** Whether one output was passed as itself (not in a list): the callable returns it unwrapped. */
  single: boolean;
  updateTargets: SharedVariable[];
  givens: ReadonlyMap<ST, ST>;
}

export interface BuildOptions {
  updates?: Updates;
  givens?: Givens;
  noDefaultUpdates?: boolean;
}

/**
 * Checks the inputs, substitutes givens into the outputs and updates, and adds the default updates
 * of the shared variables the graph reaches (as Theano, to a fixpoint and after substitution).
 */
export function buildFunctionGraph(inputs: readonly ST[], outputs: ST | readonly ST[] | null | undefined, o: BuildOptions): FunctionGraph {
  checkInputs(inputs);
  const single = outputs instanceof SymbolicTensor;
  const outs = outputs == null ? [] : single ? [outputs as ST] : [...(outputs as ST[])].map(asTensor);
  let updates = normalizeUpdates(o.updates);
  const givens = normalizeGivens(o.givens);

  let exprs = transform([...outs, ...updates.map(([, e]) => e)], () => null, givens);
  if (!o.noDefaultUpdates) {
    // Default updates of the shared variables the graph uses once givens are substituted (as
    // Theano): a variable brought in by a given (e.g. a random draw) is advanced too, and one that
    // givens replaced is not.
    const all = withDefaultUpdates(exprs.slice(0, outs.length), updates.map(([v], i) => [v, exprs[outs.length + i]]));
    const added = all.slice(updates.length);
    if (added.length) {
      exprs = [...exprs, ...transform(added.map(([, e]) => e), () => null, givens)];
      updates = [...updates, ...added];
    }
  }
  return { inputs: inputs as InputVariable[], exprs, nOutputs: outs.length, single, updateTargets: updates.map(([v]) => v), givens };
}

function checkInputs(inputs: readonly ST[]): void {
  inputs.forEach((v, i) => {
    if (!(v instanceof InputVariable)) {
      const what = v instanceof SharedVariable ? 'a shared variable (they are implicit inputs)' : v instanceof SymbolicTensor ? 'not a symbolic input' : String(v);
      throw new GraphError(`compile: input ${i} (${v instanceof SymbolicTensor ? v.describe() : v}) is ${what}; pass variables made by tensor4(), ivector(), ... .`);
    }
  });
  if (new Set(inputs).size !== inputs.length) throw new GraphError('compile: an input is listed twice.');
}

function normalizeGivens(givens: Givens | undefined): Map<ST, ST> {
  const out = new Map<ST, ST>();
  for (const [k, v] of givens ?? []) {
    const val = asTensor(v);
    if (val.dtype !== k.dtype || val.ndim !== k.ndim) {
      throw new DTypeError(`compile: givens replaces ${k.describe()} by ${val.describe()}; dtype and rank must match.`);
    }
    out.set(k, val);
  }
  return out;
}
