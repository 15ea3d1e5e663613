import { z } from 'zod';
import type { Apply, SymbolicTensor } from '../graph/node';
import { parseOptions } from '../options';
import { applyLabel, rootLabel, typeLabel } from './labels';
import { printGraph, type Printable } from './source';

export interface DebugprintOptions {
  /** Print each variable's dtype and static shape, `<float32, (None, 10)>` (default true). */
  printShapes?: boolean;
  /** How many levels to print below each output (default: all; 1 prints the outputs alone). */
  depth?: number;
}

const Schema = z.object({ printShapes: z.boolean().optional(), depth: z.number().int().min(1).optional() }).strict();

/** Theano's ids: A, B, ..., Z, BA, BB, ... */
export function idString(n: number): string {
  let s = '';
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

interface Frame {
  v: SymbolicTensor;
  prefix: string;
  childPrefix: string;
  level: number;
}

/**
 * `theano.printing.debugprint`: the graph as indented text, one variable per line, its inputs
 * below it marked ` |`. Each node gets an id (`[id A]`); a node reached again prints as its
 * line alone, so a DAG prints each subexpression once. Apply nodes show the op with its
 * parameters (`DimShuffle{x,0}`), the variable's name in quotes when it has one, its dtype and
 * static shape; roots show a name (inputs, shared variables) or a value (constants).
 *
 * Given a compiled function it prints the graph that runs, after givens, default updates and
 * rewrites (so it shows what `merge`, `stabilize` or the conv fusion did), each apply node
 * followed by its position in the execution order; updates come after the outputs as
 * `W [id C] <- newValue`.
 *
 * @example
 * const x = vector('x');
 * console.log(debugprint(x.mul(2).add(x)));
 * // Add [id A] <float32, (None,)>
 * //  |Mul [id B] <float32, (None,)>
 * //  | |x [id C] <float32, (None,)>
 * //  | |Constant{2.0} [id D] <float32, ()>
 * //  |x [id C] <float32, (None,)>
 */
export function debugprint(target: Printable, options: DebugprintOptions = {}): string {
  const o = parseOptions(Schema, options, 'debugprint') as DebugprintOptions;
  const g = printGraph(target, 'debugprint');
  const shapes = o.printShapes ?? true;
  const maxLevel = o.depth ?? Infinity;
  const ids = new Map<Apply | SymbolicTensor, string>();
  const done = new Set<Apply>();
  const lines: string[] = [];
  const idOf = (v: SymbolicTensor) => {
    const key = v.owner ?? v;
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = idString(ids.size)));
    return id;
  };
  const line = (v: SymbolicTensor): string => {
    const type = shapes ? ` ${typeLabel(v)}` : '';
    if (!v.owner) return `${rootLabel(v)} [id ${idOf(v)}]${type}`;
    const name = v.name ? ` '${v.name}'` : '';
    const step = g.order?.get(v.owner);
    return `${applyLabel(v.owner, v.index)} [id ${idOf(v)}]${name}${type}${step === undefined ? '' : `  ${step}`}`;
  };
  // Iterative depth-first walk (a deep network's graph can exceed the JS call stack).
  const print = (root: SymbolicTensor, head = '') => {
    const stack: Frame[] = [{ v: root, prefix: head, childPrefix: '', level: 1 }];
    while (stack.length) {
      const { v, prefix, childPrefix, level } = stack.pop()!;
      lines.push(prefix + line(v));
      const ap = v.owner;
      if (!ap || done.has(ap) || level >= maxLevel) continue;
      done.add(ap);
      for (let i = ap.inputs.length - 1; i >= 0; i--) {
        const last = i === ap.inputs.length - 1;
        stack.push({ v: ap.inputs[i], prefix: `${childPrefix} |`, childPrefix: `${childPrefix}${last ? '  ' : ' |'}`, level: level + 1 });
      }
    }
  };
  for (const out of g.outputs) print(out);
  for (const [target, value] of g.updates) print(value, `${rootLabel(target)} [id ${idOf(target)}] <- `);
  return lines.join('\n');
}
