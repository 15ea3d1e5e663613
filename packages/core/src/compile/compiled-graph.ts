import type { Apply, InputVariable, SymbolicTensor } from '../graph/node';
import type { SharedVariable } from '../graph/shared';

/**
 * The graph a compiled function runs, after givens, default updates and rewrites: what
 * `debugprint`, `toDot` and `formatProfile` show.
 */
export interface CompiledGraph {
  readonly name?: string;
  readonly inputs: readonly InputVariable[];
  /** The rewritten outputs, in the order the function returns them. */
  readonly outputs: readonly SymbolicTensor[];
  /** `[shared variable, rewritten new value]`, explicit updates first, then default updates. */
  readonly updates: readonly (readonly [SharedVariable, SymbolicTensor])[];
  /** The apply nodes in execution order. */
  readonly steps: readonly Apply[];
}
