import type { Apply, SymbolicTensor } from './node';

/** The Apply nodes the outputs depend on, inputs before users (stops at `stop` variables). */
export function topoSort(outputs: readonly SymbolicTensor[], stop: ReadonlySet<SymbolicTensor> = new Set()): Apply[] {
  const order: Apply[] = [];
  const seen = new Set<Apply>();
  // Iterative DFS (graphs of deep networks can exceed the JS call stack).
  const stack: { ap: Apply; next: number }[] = [];
  const visit = (v: SymbolicTensor) => {
    if (!v.owner || stop.has(v) || seen.has(v.owner)) return;
    seen.add(v.owner);
    stack.push({ ap: v.owner, next: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.ap.inputs.length) {
        const inp = top.ap.inputs[top.next++];
        if (inp.owner && !stop.has(inp) && !seen.has(inp.owner)) {
          seen.add(inp.owner);
          stack.push({ ap: inp.owner, next: 0 });
        }
      } else {
        order.push(top.ap);
        stack.pop();
      }
    }
  };
  outputs.forEach(visit);
  return order;
}

/** Root variables (inputs, shared variables, constants) the outputs depend on. */
export function roots(outputs: readonly SymbolicTensor[]): SymbolicTensor[] {
  const out = new Set<SymbolicTensor>();
  for (const o of outputs) if (!o.owner) out.add(o);
  for (const ap of topoSort(outputs)) for (const i of ap.inputs) if (!i.owner) out.add(i);
  return [...out];
}

/**
 * Lasagne's `get_all_layers` order for any graph of items: every item the roots depend on, each
 * after all the items it depends on (its `incoming`, followed first to last), each once; items in
 * `treatAsInput` are included but their incoming items are not followed. Iterative (no recursion
 * limit). Shared by `@lasagne-ts/layers` and the structural walk of `@lasagne-ts/objectives`.
 */
export function dependencyOrder<T>(roots: readonly (T | null | undefined)[], incoming: (item: T) => readonly (T | null | undefined)[], treatAsInput: Iterable<T> = []): T[] {
  const queue = [...roots];
  const seen = new Set<T>(treatAsInput);
  const done = new Set<T>();
  const result: T[] = [];
  while (queue.length) {
    const item = queue[0];
    if (item === null || item === undefined) queue.shift();
    else if (!seen.has(item)) {
      // Queue the incoming items first; the item is appended once they are done.
      seen.add(item);
      queue.unshift(...incoming(item));
    } else {
      queue.shift();
      if (!done.has(item)) {
        result.push(item);
        done.add(item);
      }
    }
  }
  return result;
}
