import type { CompiledGraph } from '../compile/compiled-graph';
import { GraphError } from '../errors';
import { type Apply, SymbolicTensor } from '../graph/node';

/** What the printers accept: an expression, several, or a compiled function (its rewritten graph). */
export type Printable = SymbolicTensor | readonly SymbolicTensor[] | { readonly graph: CompiledGraph };

/** The graph to print: outputs, updates and, for a compiled function, each node's position in the execution order. */
export interface PrintGraph {
  readonly outputs: readonly SymbolicTensor[];
  readonly updates: readonly (readonly [SymbolicTensor, SymbolicTensor])[];
  readonly order?: ReadonlyMap<Apply, number>;
  readonly name?: string;
}

export function printGraph(target: Printable, where: string): PrintGraph {
  if (target instanceof SymbolicTensor) return { outputs: [target], updates: [] };
  if (Array.isArray(target)) {
    const bad = target.findIndex((t) => !(t instanceof SymbolicTensor));
    if (bad >= 0) throw new GraphError(`${where}: element ${bad} of the array is ${describe(target[bad])}; expected symbolic expressions.`);
    return { outputs: target, updates: [] };
  }
  const g = (target as { graph?: CompiledGraph } | null)?.graph;
  if (g && Array.isArray(g.outputs) && Array.isArray(g.steps)) {
    return { outputs: g.outputs, updates: g.updates, order: new Map(g.steps.map((ap, i) => [ap, i])), name: g.name };
  }
  throw new GraphError(`${where}: expected an expression, an array of expressions or a compiled function, received ${describe(target)}.`);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'function') return 'a function without a compiled graph';
  return typeof v === 'object' ? `an object (${Object.keys(v).slice(0, 4).join(', ') || 'no keys'})` : `${typeof v} ${String(v)}`;
}
