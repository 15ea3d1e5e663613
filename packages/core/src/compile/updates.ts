import { GraphError, ShapeError, DTypeError } from '../errors';
import { asTensor, type TensorLike } from '../graph/lift';
import { SharedVariable } from '../graph/shared';
import { roots } from '../graph/traverse';
import { formatShape } from '../shape';
import type { ST } from '../graph/node';

export type Updates = Map<SharedVariable, TensorLike> | Iterable<readonly [SharedVariable, TensorLike]>;

/** Normalises updates to a list, checking each new value has its variable's dtype and shape. */
export function normalizeUpdates(updates: Updates | undefined): [SharedVariable, ST][] {
  const out: [SharedVariable, ST][] = [];
  const seen = new Set<SharedVariable>();
  for (const [v, e] of updates ?? []) {
    if (!(v instanceof SharedVariable)) throw new GraphError(`compile: an update target must be a shared variable, received ${(v as ST)?.describe?.() ?? String(v)}.`);
    if (seen.has(v)) throw new GraphError(`compile: ${v.describe()} is updated twice.`);
    seen.add(v);
    out.push([v, checkUpdate(v, asTensor(e))]);
  }
  return out;
}

function checkUpdate(v: SharedVariable, e: ST): ST {
  if (e.dtype !== v.dtype) throw new DTypeError(`compile: the update of ${v.describe()} has dtype ${e.dtype}; cast it to ${v.dtype}.`);
  const fits = e.ndim === v.ndim && e.shape.every((d, i) => d === null || v.shape[i] === null || d === v.shape[i]);
  if (!fits) throw new ShapeError(`compile: the update of ${v.describe()} has shape ${formatShape(e.shape)}; expected ${formatShape(v.shape)}.`);
  return e;
}

/** Adds the default updates of shared variables the graph uses (until no new ones appear). */
export function withDefaultUpdates(outputs: readonly ST[], updates: [SharedVariable, ST][]): [SharedVariable, ST][] {
  const all = [...updates];
  const has = new Set(all.map(([v]) => v));
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of roots([...outputs, ...all.map(([, e]) => e)])) {
      if (r instanceof SharedVariable && r.defaultUpdate && !has.has(r)) {
        all.push([r, checkUpdate(r, r.defaultUpdate)]);
        has.add(r);
        changed = true;
      }
    }
  }
  return all;
}
