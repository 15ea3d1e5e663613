import { hasHostMemory } from '../../backend/host-memory';
import { Constant } from '../../graph/constant';
import type { Apply, ST, TensorType } from '../../graph/node';
import { topoSort } from '../../graph/traverse';
import { DimOf, ShapeOf } from '../../ops/shapeof';
import { transform } from '../transform';
import { Composite, type CompositeProgram, type OperandKind, type Ref, type ScalarOpName } from '../../ops/composite';
import { abs, add, div, isElemwise, maximum, minimum, mul, neg, ReluGrad, relu, sqrt, square, sub } from '../../ops/elemwise';
import type { Shape } from '../../shape';

/** The elementwise ops a Composite computes, recognised by the functions that build them. */
const FUSABLE: readonly [(...a: never[]) => ST, ScalarOpName][] = [
  [add, 'Add'], [sub, 'Sub'], [mul, 'Mul'], [div, 'TrueDiv'], [maximum, 'Maximum'], [minimum, 'Minimum'],
  [neg, 'Neg'], [abs, 'Abs'], [sqrt, 'Sqrt'], [square, 'Sqr'], [relu, 'Relu'],
];

function scalarOp(ap: Apply): ScalarOpName | undefined {
  if (ap.outputs.length !== 1 || ap.outputs[0].dtype !== 'float32' || ap.inputs.some((i) => i.dtype !== 'float32')) return undefined;
  if (ap.op instanceof ReluGrad) return 'ReluGrad';
  return FUSABLE.find(([fn]) => isElemwise(ap.op, fn))?.[1];
}

/**
 * Whether static shapes `a` and `b` can be the same run-time shape: same rank, each size equal or
 * unknown on one side (a static 1 against an unknown size would be a broadcast, not the same shape).
 */
function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i] || (d === null && b[i] !== 1) || (b[i] === null && d !== 1));
}

/**
 * How a Composite of output shape `s` reads `v`: the same shape, a row over the last `rowAxes` axes
 * repeated over the leading ones (a bias), a column over the leading axes repeated along the last
 * `rowAxes` ones (a per-sample value, `keepdims` sums), or one value; undefined when none fits.
 */
function operandKind(v: ST, s: Shape): { kind: OperandKind; rowAxes: number } | undefined {
  if (v.dtype !== 'float32' || v.shape.length > s.length) return undefined;
  if (sameShape(v.shape, s)) return { kind: 'full', rowAxes: 0 };
  const pad = [...Array<number>(s.length - v.shape.length).fill(1), ...v.shape];
  if (pad.every((d) => d === 1)) return { kind: 'scalar', rowAxes: 0 };
  for (let k = 1; k < s.length; k++) {
    if (pad.slice(0, k).every((d) => d === 1) && sameShape(pad.slice(k), s.slice(k))) return { kind: 'row', rowAxes: s.length - k };
    if (pad.slice(k).every((d) => d === 1) && sameShape(pad.slice(0, k), s.slice(0, k))) return { kind: 'col', rowAxes: s.length - k };
  }
  return undefined;
}

/**
 * `Dim`/`Shape` of an elementwise node's output read from an operand of the same shape instead
 * (down the chain, as Theano's ShapeFeature answers shape queries): a dropout mask's shape read
 * from the layer's output would otherwise tie the mask into the chain that consumes it, and the
 * chain could not be fused.
 */
function liftShapeReads(outputs: readonly ST[]): ST[] {
  return transform(outputs, (ap, ins) => {
    if (!(ap.op instanceof DimOf || ap.op instanceof ShapeOf)) return null;
    let v = ins[0];
    for (let p = v.owner; p && scalarOp(p); p = v.owner) {
      const same = p.inputs.find((i) => sameShape(i.shape, v.shape));
      if (!same) break;
      v = same;
    }
    return v === ins[0] ? null : ap.op.make([v]);
  });
}

function broadcasts(ap: Apply): boolean {
  const k = ap.inputs.map((v) => (v instanceof Constant && v.value.size === 1 ? undefined : operandKind(v, ap.outputs[0].shape)?.kind));
  return k.some((x) => x === 'row' || x === 'col') && k.includes('full');
}

interface Group {
  nodes: Set<Apply>;
  shape: (number | null)[];
}

/**
 * Theano's elemwise fusion (`FusionOptimizer`): connected float32 elementwise nodes (Add, Sub,
 * Mul, TrueDiv, Maximum, Minimum, Neg, Abs, Sqrt, Sqr, Relu, ReluGrad) over one shape become one
 * `Composite` node, whose kernel reads each operand and writes each result once. Operands may be
 * of that shape, a bias broadcast over leading axes, a column broadcast along trailing axes, or
 * one value. A single node becomes a Composite too when it broadcasts a row or column. A node joins a group only when
 * no path leaves the group and comes back (no cycle); a node used outside the group is one of the
 * Composite's outputs (Nesterov momentum's new velocity and new parameter come from one loop).
 * Runs on the backends whose tensors live in this process (wasm, cpu), where the kernel is
 * generated WebAssembly; elsewhere the graph is left as it is.
 */
export function fuseElemwiseRewrite(outputs: readonly ST[], backend: string): ST[] {
  if (!hasHostMemory(backend)) return [...outputs];
  outputs = liftShapeReads(outputs);
  const order = topoSort(outputs);
  const index = new Map(order.map((ap, i) => [ap, i]));
  const consumers = new Map<ST, Apply[]>();
  for (const ap of order) for (const i of ap.inputs) consumers.set(i, [...(consumers.get(i) ?? []), ap]);
  const graphOutputs = new Set(outputs);

  const groupOf = new Map<Apply, Group>();
  const groups: Group[] = [];
  // Whether `group` depends on `c` (some path from c's outputs reaches the group).
  const dependsOn = (group: Group, c: Apply): boolean => {
    const seen = new Set<Apply>();
    const stack = [...group.nodes];
    while (stack.length) {
      const ap = stack.pop()!;
      for (const i of ap.inputs) {
        const p = i.owner;
        if (!p || seen.has(p) || index.get(p)! < index.get(c)!) continue;
        if (p === c) return true;
        seen.add(p);
        stack.push(p);
      }
    }
    return false;
  };
  // Whether `p` depends on the group (a path from a group node to p): p would close a cycle.
  const reaches = (group: Group, p: Apply): boolean => {
    const first = Math.min(...[...group.nodes].map((ap) => index.get(ap)!));
    const seen = new Set<Apply>();
    const stack = [p];
    while (stack.length) {
      for (const i of stack.pop()!.inputs) {
        const q = i.owner;
        if (!q || seen.has(q) || index.get(q)! < first) continue;
        if (group.nodes.has(q)) return true;
        seen.add(q);
        stack.push(q);
      }
    }
    return false;
  };
  for (let n = order.length - 1; n >= 0; n--) {
    const root = order[n];
    if (groupOf.has(root) || !scalarOp(root)) continue;
    const group: Group = { nodes: new Set([root]), shape: [...root.outputs[0].shape] };
    for (let grew = true; grew; ) {
      grew = false;
      for (const ap of [...group.nodes]) {
        for (const v of ap.inputs) {
          const p = v.owner;
          if (!p || group.nodes.has(p) || groupOf.has(p) || !scalarOp(p) || !sameShape(p.outputs[0].shape, group.shape)) continue;
          const outside = (consumers.get(v) ?? []).filter((c) => !group.nodes.has(c));
          if (outside.some((c) => dependsOn(group, c)) || reaches(group, p)) continue;
          group.nodes.add(p);
          group.shape = group.shape.map((d, i) => d ?? p.outputs[0].shape[i]);
          grew = true;
        }
      }
    }
    // One node is worth a Composite only when it broadcasts an operand (tfjs' wasm kernels
    // broadcast in scalar loops: 1-5 ms for a 500x10 bias or a per-row factor).
    if (group.nodes.size < 2 && !broadcasts(root)) continue;
    groups.push(group);
    for (const ap of group.nodes) groupOf.set(ap, group);
  }
  if (!groups.length) return [...outputs];
  return rebuild(outputs, order, groupOf, consumers, graphOutputs);
}

/** A group's Composite: its program, external inputs (in order) and the original variables its outputs replace. */
function compositeOf(group: Group, order: readonly Apply[], consumers: Map<ST, Apply[]>, graphOutputs: Set<ST>) {
  const nodes = order.filter((ap) => group.nodes.has(ap));
  const inputs: ST[] = [];
  const kinds: OperandKind[] = [];
  let rowAxes = 0;
  const temp = new Map(nodes.map((ap, t) => [ap.outputs[0], t]));
  const refOf = (v: ST): Ref | undefined => {
    const t = temp.get(v);
    if (t !== undefined) return { temp: t };
    if (v instanceof Constant && v.value.size === 1 && v.dtype === 'float32') return { value: v.value.data[0] };
    const known = inputs.indexOf(v);
    if (known >= 0) return { input: known };
    const k = operandKind(v, group.shape);
    const broadcast = k?.kind === 'row' || k?.kind === 'col';
    if (!k || (broadcast && rowAxes && k.rowAxes !== rowAxes)) return undefined;
    if (broadcast) rowAxes = k.rowAxes;
    inputs.push(v);
    kinds.push(k.kind);
    return { input: inputs.length - 1 };
  };
  const instrs: { op: ScalarOpName; args: Ref[] }[] = [];
  for (const ap of nodes) {
    const args = ap.inputs.map(refOf);
    if (args.some((a) => !a)) return undefined;
    instrs.push({ op: scalarOp(ap)!, args: args as Ref[] });
  }
  if (!kinds.includes('full')) return undefined;
  const outs = nodes.map((ap, t) => [ap.outputs[0], t] as const).filter(([v]) => graphOutputs.has(v) || (consumers.get(v) ?? []).some((c) => !group.nodes.has(c)));
  const program: CompositeProgram = { inputs: kinds, rowAxes, instrs, outputs: outs.map(([, t]) => t) };
  const types: TensorType[] = outs.map(() => ({ dtype: 'float32', shape: group.shape }));
  return { op: new Composite(program, types), inputs, replaces: outs.map(([v]) => v) };
}

/**
 * Rebuilds the graph with each group as one node, in an order where every node (or group) comes
 * after what it reads. A group whose Composite cannot be formed, or that would close a cycle once
 * contracted, is left unfused.
 */
function rebuild(outputs: readonly ST[], order: readonly Apply[], groupOf: Map<Apply, Group>, consumers: Map<ST, Apply[]>, graphOutputs: Set<ST>): ST[] {
  const composites = new Map<Group, NonNullable<ReturnType<typeof compositeOf>>>();
  for (const g of new Set(groupOf.values())) {
    const c = compositeOf(g, order, consumers, graphOutputs);
    if (c) composites.set(g, c);
    else for (const ap of g.nodes) groupOf.delete(ap);
  }
  // Units: a group or a single node. Post-order DFS over the contracted graph (iterative).
  type Unit = Group | Apply;
  const unitOf = (ap: Apply): Unit => groupOf.get(ap) ?? ap;
  const unitInputs = (u: Unit): readonly ST[] => ('nodes' in u ? composites.get(u)!.inputs : u.inputs);
  const map = new Map<ST, ST>();
  const state = new Map<Unit, 'open' | 'done'>();
  const emit = (u: Unit) => {
    if ('nodes' in u) {
      const c = composites.get(u)!;
      const outs = c.op.make(c.inputs.map((i) => map.get(i) ?? i));
      c.replaces.forEach((v, k) => map.set(v, outs[k]));
    } else {
      const ins = u.inputs.map((i) => map.get(i) ?? i);
      const outs = ins.every((x, k) => x === u.inputs[k]) ? u.outputs : u.op.make(ins);
      u.outputs.forEach((o, k) => outs[k] !== o && map.set(o, outs[k]));
    }
  };
  for (const root of outputs) {
    if (!root.owner) continue;
    const stack: { u: Unit; next: number }[] = [];
    const visit = (u: Unit) => {
      const s = state.get(u);
      if (s === 'done') return true;
      if (s === 'open') return false; // a cycle through a contracted group
      state.set(u, 'open');
      stack.push({ u, next: 0 });
      return true;
    };
    visit(unitOf(root.owner));
    while (stack.length) {
      const top = stack[stack.length - 1];
      const ins = unitInputs(top.u);
      if (top.next < ins.length) {
        const p = ins[top.next++].owner;
        // A cycle through a contracted group (two groups reading each other's outputs, rare):
        // fuse nothing rather than order it wrongly; the unfused graph is always correct.
        if (p && !visit(unitOf(p))) return [...outputs];
        continue;
      }
      stack.pop();
      state.set(top.u, 'done');
      emit(top.u);
    }
  }
  return outputs.map((o) => map.get(o) ?? o);
}
