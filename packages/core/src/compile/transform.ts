import type { Apply, ST } from '../graph/node';
import { topoSort } from '../graph/traverse';

/** A local rewrite: given a node and its (already rewritten) inputs, new outputs or null to keep it. */
export type LocalRewrite = (ap: Apply, inputs: ST[]) => ST[] | null;

/**
 * Rebuilds the graph under `outputs` bottom-up, offering each node to `local` after its inputs
 * were rewritten; unchanged nodes are kept as they are. Roots are substituted through `replace`.
 */
export function transform(outputs: readonly ST[], local: LocalRewrite, replace: ReadonlyMap<ST, ST> = new Map()): ST[] {
  const map = new Map<ST, ST>(replace);
  for (const ap of topoSort(outputs, new Set(replace.keys()))) {
    const ins = ap.inputs.map((i) => map.get(i) ?? i);
    let outs = local(ap, ins);
    if (!outs) outs = ins.every((x, k) => x === ap.inputs[k]) ? ap.outputs : ap.op.make(ins);
    ap.outputs.forEach((o, k) => {
      if (outs![k] !== o) map.set(o, outs![k]);
    });
  }
  return outputs.map((o) => map.get(o) ?? o);
}
