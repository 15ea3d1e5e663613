import type { Blas } from '../backend/native/blas';
import type { Dnnl } from '../backend/native/dnnl';
import { hasHostMemory } from '../backend/host-memory';
import { GraphError } from '../errors';
import type { Apply } from '../graph/node';
import { Op, type PerformContext, type PerformOutput } from '../graph/op';
import type { HostTensor } from '../host';
import { platform } from '../platform';
import type { Tensor } from '../tf';

/**
 * The lowering registry: the one place that decides which way of computing an op runs where (in
 * the spirit of tfjs' kernel registry). An op's `perform` is its *generic* lowering, correct on
 * every backend; other ways of computing it (a native library, a host loop over the tensors'
 * memory, a formulation that avoids a slow kernel of one backend) are *named lowerings*
 * registered for the op's class. The executor's `runNode` asks `lower`, which tries them in
 * order (highest priority first, then registration order) and runs the first that applies and is
 * chosen, else the generic one; the name of the one that ran goes to `fn.profile()`.
 *
 * Adding a lowering from another file is one call, made when that file is loaded (import it from
 * the op's folder or the library's loader so it is loaded whenever the op can run):
 *
 *     registerLowering(Conv2D, { name: 'dnnl-conv', when: (ctx) => ctx.native.dnnl !== undefined, run: ([x, w], ctx, op) => [...] }, { priority: 10 });
 *
 * Tests force one with `withLowering` and compare it with float64 references.
 */

/** Native libraries loaded in this process that a lowering may use (undefined: not loaded, or the tensors live elsewhere). */
export interface NativeLibraries {
  /** `cblas_sgemm` on the tensors' own memory (backend/native/blas.ts). */
  readonly blas: Blas | undefined;
  /** oneDNN's blocked-layout conv/pool kernels (backend/native/dnnl.ts). */
  readonly dnnl: Dnnl | undefined;
}

/** What a lowering's predicate and body know about where the node runs. */
export interface LoweringContext extends PerformContext {
  /** The tensors live in this process's memory (wasm's heap, cpu's typed arrays): host kernels can run on them. */
  readonly hostMemory: boolean;
  /** Native libraries usable on the tensors' memory (none unless `hostMemory`). */
  readonly native: NativeLibraries;
  /** The node being computed, when the executor runs one (for rules about whole nodes). */
  readonly node?: Apply;
  /** Every input's host value where the executor has one (not only `hostInputs`). */
  readonly inputsOnHost?: readonly (HostTensor | undefined)[];
}

/** The rest of the chain after a lowering (the lowerings below it, then the generic one). */
export type NextLowering = (inputs: Tensor[]) => PerformOutput[];

/** One named way of computing an op. */
export interface Lowering<O extends Op = Op> {
  /** Short and unique per op, shown in `fn.profile()` (e.g. 'blas-sgemm', 'wasm-stride1-forward-conv'). */
  readonly name: string;
  /**
   * Whether this lowering computes the node at all: its shapes, dtypes and the op's parameters,
   * never the backend. Forcing a lowering (`withLowering`) still checks it. Default: always.
   */
  applies?(ctx: LoweringContext, inputs: readonly Tensor[], op: O): boolean;
  /** Whether it is chosen here: the backend, which native libraries are loaded, sizes where it wins. */
  when(ctx: LoweringContext, inputs: readonly Tensor[], op: O): boolean;
  /**
   * Computes the outputs (as `perform` does: intermediates are freed by the executor's `tidy`).
   * `next` runs the rest of the chain, for a lowering that rewrites its inputs (e.g. casts) and
   * lets the others compute. Undefined: declined at run time (the next one is tried).
   */
  run(inputs: Tensor[], ctx: LoweringContext, op: O, next: NextLowering): PerformOutput[] | undefined;
}

/** A class of ops (abstract classes too). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpClass<O extends Op = Op> = abstract new (...args: any[]) => O;

interface Entry {
  generic: string;
  lowerings: { lowering: Lowering; priority: number; order: number }[];
}

const registry = new Map<OpClass, Entry>();
let registered = 0;
/** Per class, its lowerings merged with the rules for every op (cleared on registration). */
const merged = new Map<OpClass, Entry | undefined>();

function entry(op: OpClass): Entry {
  let e = registry.get(op);
  if (!e) registry.set(op, (e = { generic: 'generic', lowerings: [] }));
  return e;
}

/**
 * Registers a lowering of the ops of class `op` (exact class; `Op` itself: a rule for every op,
 * tried together with each class's own). Higher `priority` is tried first
 * (default 0; a native-library lowering that should win over the built-in ones uses e.g. 10);
 * equal priorities keep registration order. A second lowering with the same name is an error.
 */
export function registerLowering<O extends Op>(op: OpClass<O>, lowering: Lowering<O>, options: { priority?: number } = {}): void {
  const e = entry(op);
  if (e.lowerings.some((l) => l.lowering.name === lowering.name) || lowering.name === e.generic) {
    throw new GraphError(`registerLowering: ${op.name} already has a lowering named '${lowering.name}'.`);
  }
  e.lowerings.push({ lowering: lowering as unknown as Lowering, priority: options.priority ?? 0, order: registered++ });
  e.lowerings.sort((a, b) => b.priority - a.priority || a.order - b.order);
  merged.clear();
}

/** Names the generic lowering of `op` (its `perform`) as the profile shows it, e.g. 'tfjs-conv2d'. */
export function nameGeneric(op: OpClass, name: string): void {
  entry(op).generic = name;
  merged.clear();
}

/** The lowerings tried for class `op`: its own and the rules for every op, by priority then registration order. */
function candidates(op: OpClass): Entry | undefined {
  if (merged.has(op)) return merged.get(op);
  const own = registry.get(op);
  const any = op === Op ? undefined : registry.get(Op);
  const lowerings = [...(own?.lowerings ?? []), ...(any?.lowerings ?? [])].sort((a, b) => b.priority - a.priority || a.order - b.order);
  const e = own || any ? { generic: own?.generic ?? 'generic', lowerings } : undefined;
  merged.set(op, e);
  return e;
}

/** The lowering names of `op`, in the order they are tried, the generic one last (empty when none is registered). */
export function loweringNames(op: OpClass): string[] {
  const e = candidates(op);
  return e ? [...e.lowerings.map((l) => l.lowering.name), e.generic] : [];
}

/** Every op class with registered lowerings and the names registered for it, its generic one included (`Op`: the rules for every op). */
export function registeredLowerings(): Map<OpClass, string[]> {
  return new Map([...registry].map(([k, e]) => [k, [...e.lowerings.map((l) => l.lowering.name), ...(k === Op ? [] : [e.generic])]]));
}

const forced = new Map<OpClass, string>();

/**
 * Test hook: runs `body` with every node of class `op` computed by the lowering named `name`
 * (its `when` ignored, its `applies` still checked: a node it cannot compute is a GraphError), so
 * a lowering chosen only on another backend or with a library can be checked on `cpu`.
 * The generic lowering is forced by its name too.
 */
export function withLowering<T>(op: OpClass, name: string, body: () => T): T {
  const names = loweringNames(op);
  if (!names.includes(name)) throw new GraphError(`withLowering: ${op.name} has no lowering '${name}'; it has ${names.length ? names.map((n) => `'${n}'`).join(', ') : 'none registered'}.`);
  const saved = forced.get(op);
  forced.set(op, name);
  try {
    return body();
  } finally {
    if (saved === undefined) forced.delete(op);
    else forced.set(op, saved);
  }
}

/** The native libraries of an in-process backend (loaded on first use), and of any other: none. Made once (a context is made per node). */
const NATIVE_HERE: NativeLibraries = {
  get blas() {
    return platform().blas();
  },
  get dnnl() {
    return platform().dnnl();
  },
};
const NATIVE_NONE: NativeLibraries = { blas: undefined, dnnl: undefined };

/** What the executor gives `lower`: the op's context, and the node and its inputs' host values where it has them. */
export type NodeContext = PerformContext & { readonly node?: Apply; readonly inputsOnHost?: readonly (HostTensor | undefined)[] };

/** The context lowerings see, from the executor's. */
export function loweringContext(ctx: NodeContext, node?: Apply): LoweringContext {
  if ('native' in ctx) return ctx as LoweringContext;
  const hostMemory = hasHostMemory(ctx.backend);
  return { backend: ctx.backend, host: ctx.host, profile: ctx.profile, node: node ?? ctx.node, inputsOnHost: ctx.inputsOnHost, hostMemory, native: hostMemory ? NATIVE_HERE : NATIVE_NONE };
}

/** What `lower` ran: the outputs and the lowering's name (undefined for an op with none registered). */
export interface Lowered {
  outputs: PerformOutput[];
  lowering?: string;
}

/** Computes `op` (of `node`, when the executor runs one) on `inputs` with the first lowering that applies and is chosen (or the forced one), else `op.perform`. */
export function lower(op: Op, inputs: Tensor[], context: NodeContext, node?: Apply): Lowered {
  const e = candidates(op.constructor as OpClass);
  if (!e) return { outputs: op.perform(inputs, context) };
  const ctx = loweringContext(context, node);
  const want = runningForced ? undefined : forced.get(op.constructor as OpClass);
  if (want !== undefined) {
    runningForced = true;
    try {
      return runForced(e, want, op, inputs, ctx);
    } finally {
      runningForced = false;
    }
  }
  return chain(e, 0, op, inputs, ctx);
}

/** Set while a forced lowering runs: a node it evaluates inside (e.g. on the host) is lowered as usual. */
let runningForced = false;

function runForced(e: Entry, want: string, op: Op, inputs: Tensor[], ctx: LoweringContext): Lowered {
  if (want === e.generic) return { outputs: op.perform(inputs, ctx), lowering: e.generic };
  const k = e.lowerings.findIndex((l) => l.lowering.name === want);
  const l = e.lowerings[k].lowering;
  if (l.applies && !l.applies(ctx, inputs, op)) throw new GraphError(`${op.name}: the forced lowering '${want}' cannot compute this node (inputs ${inputs.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(', ')}).`);
  const out = l.run(inputs, ctx, op, (ins) => chain(e, k + 1, op, ins, ctx).outputs);
  if (!out) throw new GraphError(`${op.name}: the forced lowering '${want}' declined this node on the '${ctx.backend}' backend.`);
  return { outputs: out, lowering: want };
}

function chain(e: Entry, from: number, op: Op, inputs: Tensor[], ctx: LoweringContext): Lowered {
  for (let k = from; k < e.lowerings.length; k++) {
    const l = e.lowerings[k].lowering;
    if ((l.applies && !l.applies(ctx, inputs, op)) || !l.when(ctx, inputs, op)) continue;
    const out = l.run(inputs, ctx, op, (ins) => chain(e, k + 1, op, ins, ctx).outputs);
    if (out) return { outputs: out, lowering: l.name };
  }
  // An op whose only candidates are rules for every op reports no name when none ran.
  return { outputs: op.perform(inputs, ctx), lowering: registry.has(op.constructor as OpClass) ? e.generic : undefined };
}
