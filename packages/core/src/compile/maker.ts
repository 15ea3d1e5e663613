import { GraphError } from '../errors';
import { Constant } from '../graph/constant';
import { InputVariable, type ST } from '../graph/node';
import { SharedVariable } from '../graph/shared';
import { roots } from '../graph/traverse';
import type { FunctionGraph } from './build';
import { makePlan, type Plan } from './plan';
import { DEFAULT_REWRITES, rewrite, type RewriteName } from './rewrites';

/**
 * What the executor runs and the callable wraps (PyTensor's `FunctionMaker` output): the rewritten
 * graph in execution order with each intermediate's last use, the roots a call must bind, and
 * where its values go.
 */
export interface Program {
  inputs: readonly InputVariable[];
  plan: Plan;
  /** The rewritten user outputs. */
  outputs: readonly ST[];
  /** The rewritten update expressions; the value of `updateExprs[i]` becomes `updateTargets[i]`'s. */
  updateExprs: readonly ST[];
  updateTargets: readonly SharedVariable[];
  single: boolean;
  /** Constants the plan reads (uploaded once per compiled function). */
  constants: readonly Constant[];
  /** Shared variables the plan reads (their current values are bound at each call). */
  shared: readonly SharedVariable[];
}

export interface MakeOptions {
  /** Passes to run, in order (default `DEFAULT_REWRITES`); false for none. */
  rewrites?: boolean | readonly RewriteName[];
  onUnusedInput?: 'raise' | 'ignore';
}

/**
 * Rewrites the function graph, checks that the outputs depend on exactly the given inputs, and
 * orders the nodes for execution.
 */
export function makeProgram(fg: FunctionGraph, o: MakeOptions, backend: string): Program {
  const passes = o.rewrites === false ? [] : o.rewrites === true || o.rewrites === undefined ? DEFAULT_REWRITES : o.rewrites;
  const final = rewrite(fg.exprs, passes, backend);

  const used = new Set(roots(final));
  const missing = [...used].filter((r) => r instanceof InputVariable && !fg.inputs.includes(r));
  if (missing.length) {
    const many = missing.length > 1;
    throw new GraphError(`compile: the outputs depend on ${missing.map((m) => m.describe()).join(', ')}, which ${many ? 'are' : 'is'} not among the inputs; add ${many ? 'them' : 'it'} to the inputs or replace ${many ? 'them' : 'it'} through givens.`);
  }
  if ((o.onUnusedInput ?? 'raise') === 'raise') {
    const unused = fg.inputs.filter((v) => !used.has(v) && !fg.givens.has(v));
    if (unused.length) throw new GraphError(`compile: ${unused.map((u) => u.describe()).join(', ')} is not used to compute the outputs; remove it from the inputs or pass {onUnusedInput: 'ignore'}.`);
  }

  return {
    inputs: fg.inputs,
    plan: makePlan(final),
    outputs: final.slice(0, fg.nOutputs),
    updateExprs: final.slice(fg.nOutputs),
    updateTargets: fg.updateTargets,
    single: fg.single,
    constants: [...used].filter((r): r is Constant => r instanceof Constant),
    shared: [...used].filter((r): r is SharedVariable => r instanceof SharedVariable),
  };
}
