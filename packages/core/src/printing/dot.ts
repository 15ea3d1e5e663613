import { Constant } from '../graph/constant';
import type { Apply, SymbolicTensor } from '../graph/node';
import { SharedVariable } from '../graph/shared';
import { topoSort } from '../graph/traverse';
import { formatShape } from '../shape';
import { opLabel, rootLabel } from './labels';
import { printGraph, type Printable } from './source';

/** Fill colours by kind (ColorBrewer RdYlBu/Greens, readable on white and in print). */
export const DOT_COLORS = {
  input: '#a6d96a',
  shared: '#fee08b',
  constant: '#eeeeee',
  op: '#d1e5f0',
  output: '#4393c3',
  update: '#f46d43',
} as const;

/** A DOT string literal. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The shape on an edge, with the dtype when it is not float32: `(None, 10)`, `int32 (None,)`. */
function edgeLabel(v: SymbolicTensor): string {
  const shape = formatShape(v.shape);
  const out = v.owner && v.owner.outputs.length > 1 ? `.${v.index} ` : '';
  return `${out}${v.dtype === 'float32' ? '' : `${v.dtype} `}${shape}`;
}

/** An op's label on two lines when it has long parameters. */
function nodeLabel(ap: Apply, step: number | undefined): string {
  const l = opLabel(ap.op);
  const text = l.length > 28 && l.includes('{') ? l.replace('{', '\n{').replace(/, /g, ',\n') : l;
  return step === undefined ? text : `${text}\n#${step}`;
}

/**
 * The graph as Graphviz DOT (Theano's `pydotprint`): apply nodes as boxes (with their position
 * in the execution order for a compiled function), inputs, shared variables and constants as
 * ellipses, and one node per output and per update, coloured by kind (`DOT_COLORS`). Edges carry
 * the shape (and a non-float32 dtype) of the value flowing along them. Render it with
 * `renderGraph`, or with Graphviz's `dot -Tsvg`.
 *
 * @example
 * const x = vector('x');
 * toDot(exp(x).sum()); // 'digraph "graph" {\n  rankdir=TB;\n...\n}\n'
 */
export function toDot(target: Printable): string {
  const g = printGraph(target, 'toDot');
  const ends = [...g.outputs, ...g.updates.map(([, v]) => v)];
  const applies = topoSort(ends);
  const ids = new Map<Apply | SymbolicTensor, string>();
  const lines: string[] = [];
  const rootId = (v: SymbolicTensor): string => {
    let id = ids.get(v);
    if (id !== undefined) return id;
    id = `v${ids.size}`;
    ids.set(v, id);
    const kind = v instanceof Constant ? 'constant' : v instanceof SharedVariable ? 'shared' : 'input';
    const type = v instanceof Constant ? '' : `\n${v.dtype} ${formatShape(v.shape)}`;
    lines.push(`  ${id} [label=${q(rootLabel(v) + type)}, shape=ellipse, fillcolor=${q(DOT_COLORS[kind])}${kind === 'constant' ? ', fontsize=8' : ''}];`);
    return id;
  };
  const source = (v: SymbolicTensor) => (v.owner ? ids.get(v.owner)! : rootId(v));
  for (const ap of applies) {
    const srcs = ap.inputs.map(source);
    const id = `a${ids.size}`;
    ids.set(ap, id);
    lines.push(`  ${id} [label=${q(nodeLabel(ap, g.order?.get(ap)))}, shape=box, style="rounded,filled", fillcolor=${q(DOT_COLORS.op)}];`);
    ap.inputs.forEach((v, i) => {
      const port = ap.inputs.length > 1 ? `${i}: ` : '';
      lines.push(`  ${srcs[i]} -> ${id} [label=${q(port + edgeLabel(v))}];`);
    });
  }
  g.outputs.forEach((v, i) => {
    const from = source(v);
    const name = v.name ? ` '${v.name}'` : '';
    lines.push(`  out${i} [label=${q(`output ${i}${name}`)}, shape=ellipse, fillcolor=${q(DOT_COLORS.output)}, fontcolor="white"];`);
    lines.push(`  ${from} -> out${i} [label=${q(edgeLabel(v))}];`);
  });
  g.updates.forEach(([target, v], i) => {
    const from = source(v);
    lines.push(`  upd${i} [label=${q(`update ${rootLabel(target)}`)}, shape=ellipse, fillcolor=${q(DOT_COLORS.update)}];`);
    lines.push(`  ${from} -> upd${i} [label=${q(edgeLabel(v))}];`);
  });
  return [
    `digraph ${q(g.name ?? 'graph')} {`,
    '  rankdir=TB;',
    '  node [fontname="Helvetica", fontsize=10, style=filled];',
    '  edge [fontname="Helvetica", fontsize=8, color="#555555"];',
    ...lines,
    '}',
    '',
  ].join('\n');
}
