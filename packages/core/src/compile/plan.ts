import type { Apply, SymbolicTensor } from '../graph/node';
import { topoSort } from '../graph/traverse';

/** The order of execution and, for each step, which values can be freed after it. */
export interface Plan {
  steps: Apply[];
  /** freeAfter[i]: intermediate values whose last use is step i. */
  freeAfter: SymbolicTensor[][];
}

/** Orders the nodes and finds each intermediate's last use, so it is freed right after. */
export function makePlan(outputs: readonly SymbolicTensor[]): Plan {
  const steps = topoSort(outputs);
  const lastUse = new Map<SymbolicTensor, number>();
  steps.forEach((ap, i) => ap.inputs.forEach((v) => lastUse.set(v, i)));
  const kept = new Set(outputs);
  const freeAfter: SymbolicTensor[][] = steps.map(() => []);
  steps.forEach((ap, i) =>
    ap.outputs.forEach((o) => {
      if (kept.has(o)) return;
      freeAfter[lastUse.get(o) ?? i].push(o); // unused outputs are freed at once
    }),
  );
  return { steps, freeAfter };
}
