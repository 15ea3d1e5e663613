import { z } from 'zod';
import { normalizeUpdates, type Updates } from '../compile/updates';
import { transform } from '../compile/transform';
import { DTypeError, GraphError, ShapeError } from '../errors';
import { Constant, constant } from '../graph/constant';
import { asTensor, type TensorLike } from '../graph/lift';
import { InputVariable, SymbolicTensor } from '../graph/node';
import { SharedVariable } from '../graph/shared';
import { parseOptions } from '../options';
import { dimshuffle } from '../ops/dimshuffle';
import { cast } from '../ops/cast';
import { minimum, sub } from '../ops/elemwise';
import { dim } from '../ops/shapeof';
import { basicSubtensor, slice } from '../ops/slicing';
import { formatShape } from '../shape';
import { ScanOp, type ScanRecurrent } from './op';
import type { ST } from '../graph/node';

/** A sequence with the taps the step reads (Theano's `dict(input=x, taps=[-1, 0])`; default `[0]`). */
export interface SequenceInfo {
  input: TensorLike;
  taps?: number[];
}
/** A fed-back output's initial value and taps (Theano's `dict(initial=x0, taps=[-2, -1])`; default `[-1]`). */
export interface OutputInfo {
  initial: TensorLike;
  taps?: number[];
}
/** What the step function returns: its outputs, or its outputs and updates of shared variables. */
export type StepResult = ST | readonly ST[] | { outputs?: ST | readonly ST[]; updates?: Updates };

export interface ScanOptions {
  /** Tensors iterated over their leading axis (or `{input, taps}`). */
  sequences?: TensorLike | SequenceInfo | readonly (TensorLike | SequenceInfo)[];
  /**
   * One entry per output of the step: its initial value (fed back at tap -1), `{initial, taps}`,
   * or null for an output that is not fed back. Omitted: no output is fed back.
   */
  outputsInfo?: TensorLike | OutputInfo | null | readonly (TensorLike | OutputInfo | null)[];
  /** Values passed unchanged to every step (after the sequences and the fed-back outputs). */
  nonSequences?: TensorLike | readonly TensorLike[];
  /** Number of steps (needed without sequences; otherwise the sequences' length). */
  nSteps?: number | ST;
  /**
   * Iterate from the last element of the sequences (Theano's: each tap's slice of a sequence is
   * read from its end, for nSteps steps); outputs come in the order computed.
   */
  goBackwards?: boolean;
  /**
   * With goBackwards: 'computed' (default, Theano's) stacks the outputs in the order computed
   * (the first row belongs to the sequences' last position); 'input' stacks them in the reverse
   * order, at the positions they were computed from when the sequences have no taps and n steps
   * (no reversal: Lasagne's backwards layers use it).
   */
  outputOrder?: 'computed' | 'input';
  /** Backpropagate through at most this many steps (-1, the default: all of them). */
  truncateGradient?: number;
  /** Refuse variables the step reads without their being passed (sequences / nonSequences). */
  strict?: boolean;
  name?: string;
}

const Schema = z.object({
  sequences: z.any().optional(),
  outputsInfo: z.any().optional(),
  nonSequences: z.any().optional(),
  nSteps: z.union([z.number().int().positive(), z.instanceof(SymbolicTensor)]).optional(),
  goBackwards: z.boolean().optional(),
  outputOrder: z.enum(['computed', 'input']).optional(),
  truncateGradient: z.number().int().refine((v) => v === -1 || v > 0, 'must be -1 (no truncation) or a positive number of steps').optional(),
  strict: z.boolean().optional(),
  name: z.string().optional(),
}).strict();

/** A single entry or a list of entries, as a list. */
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? [...v] : [v]);
const isInfo = (v: unknown, key: string): boolean => typeof v === 'object' && v !== null && !(v instanceof SymbolicTensor) && !ArrayBuffer.isView(v) && !Array.isArray(v) && key in v;

/**
 * `theano.scan`: repeats `fn` over the leading axis of the sequences, feeding back outputs.
 * `fn` receives, in order, each sequence's value at the step (one argument per tap), each
 * fed-back output's previous values (one per tap), then the non-sequences. Returns the outputs
 * stacked over the steps (one tensor if `fn` returns one expression, a list if it returns a
 * list) and the updates of shared variables the steps changed (random streams drawn inside `fn`
 * included): pass them to `compile`.
 *
 * The loop is one `Scan` node holding the step's graph; its gradient is another scan.
 *
 * @example
 * const x = matrix('x'), h0 = vector('h0'), W = matrix('W');
 * const [hs] = scan((xt, h) => tanh(add(dot(h, W), xt)), { sequences: x, outputsInfo: h0 });
 * const f = compile([x, h0, W], hs);
 * f([[1, 2], [3, 4]], [0, 0], [[1, 0], [0, 1]]); // [[0.761594, 0.964028], [0.998920, 0.999902]]
 */
export function scan(fn: (...args: ST[]) => ST | { outputs: ST; updates?: Updates }, options?: ScanOptions): [ST, Map<SharedVariable, ST>];
export function scan(fn: (...args: ST[]) => StepResult, options?: ScanOptions): [ST[], Map<SharedVariable, ST>];
export function scan(fn: (...args: ST[]) => StepResult, options: ScanOptions = {}): [ST | ST[], Map<SharedVariable, ST>] {
  const o = parseOptions(Schema, options, 'scan') as ScanOptions;
  const name = o.name ?? 'scan';
  const where = `scan${o.name ? ` '${o.name}'` : ''}`;

  // Sequences: one slice per tap (Theano's: tap k of taps [lo..hi] reads x[k - lo : len - (hi - k)]).
  const seqEntries = list(o.sequences);
  const tapSlices: { x: ST; len: ST; staticLen: number | null }[] = [];
  const seqInner: InputVariable[] = [];
  const lengths: ST[] = [];
  const staticLengths: (number | null)[] = [];
  for (const entry of seqEntries) {
    const info = isInfo(entry, 'input') ? (entry as unknown as SequenceInfo) : { input: entry as TensorLike };
    const x = asTensor(info.input);
    if (x.ndim < 1) throw new ShapeError(`${where}: a sequence must have a leading axis to iterate over, received ${x.describe()}.`);
    const taps = info.taps ?? [0];
    if (!taps.length || taps.some((t) => !Number.isInteger(t))) throw new GraphError(`${where}: sequence taps must be integers, received [${taps.join(', ')}].`);
    const lo = Math.min(...taps), hi = Math.max(...taps);
    const span = hi - lo;
    if (x.shape[0] !== null && x.shape[0] - span < 1) throw new ShapeError(`${where}: a sequence of ${x.shape[0]} steps is too short for taps [${taps.join(', ')}].`);
    const len = span ? sub(dim(x, 0), span) : dim(x, 0);
    const staticLen = x.shape[0] === null ? null : x.shape[0] - span;
    for (const tap of taps) {
      const start = tap - lo, end = hi - tap;
      tapSlices.push({ x: start === 0 && end === 0 ? x : basicSubtensor(x, [slice(start, end === 0 ? null : -end)]), len, staticLen });
      seqInner.push(new InputVariable({ dtype: x.dtype, shape: x.shape.slice(1) }, `${x.name ?? 'seq'}[t${tap ? (tap > 0 ? `+${tap}` : tap) : ''}]`));
    }
    staticLengths.push(staticLen);
    lengths.push(len);
  }

  // Number of steps.
  let n: ST;
  if (o.nSteps !== undefined) n = typeof o.nSteps === 'number' ? constant(o.nSteps, { dtype: 'int32' }) : cast(o.nSteps, 'int32');
  else if (lengths.length) {
    n = staticLengths.every((l) => l !== null) ? constant(Math.min(...(staticLengths as number[])), { dtype: 'int32' }) : lengths.reduce((a, b) => minimum(a, b));
  } else throw new GraphError(`${where}: without sequences the number of steps is unknown; pass nSteps.`);
  if (n.ndim !== 0) throw new ShapeError(`${where}: nSteps must be a scalar, received ${n.describe()}.`);

  // goBackwards is a reversed Scan: step i reads row n-1-i of what it is given. Theano reverses
  // each tap slice and then takes its first n rows, so step i reads row len-1-i of every slice:
  // each slice is given as its last n rows (a view where its length is n already), never copied
  // reversed.
  const nStatic = n instanceof Constant ? (n.scalarValue() ?? null) : null;
  const seqSlices = tapSlices.map(({ x, len, staticLen }) => {
    if (!o.goBackwards || len === n || (staticLen !== null && staticLen === nStatic)) return x;
    return basicSubtensor(x, [slice(sub(len, n), null)]);
  });

  // Fed-back outputs: initial buffers (oldest first) and one inner input per tap.
  const infos = o.outputsInfo === undefined ? undefined : Array.isArray(o.outputsInfo) ? [...o.outputsInfo] : [o.outputsInfo];
  const recInits: ST[] = [];
  const recs: ScanRecurrent[] = [];
  const recInner: InputVariable[][] = [];
  const recOf: (number | null)[] = []; // output position -> recurrent index
  for (const [i, entry] of (infos ?? []).entries()) {
    if (entry === null || entry === undefined) {
      recOf.push(null);
      continue;
    }
    const info = isInfo(entry, 'initial') ? (entry as OutputInfo) : { initial: entry as TensorLike };
    const init = asTensor(info.initial);
    const taps = info.taps ?? [-1];
    if (!taps.length || taps.some((t) => !Number.isInteger(t) || t >= 0)) throw new GraphError(`${where}: output ${i}'s taps must be negative integers (-1 = the previous step), received [${taps.join(', ')}].`);
    const L = -Math.min(...taps);
    let buffer: ST;
    // Taps [-1] (the default): the initial value is the state itself; otherwise it holds the
    // L oldest values, oldest first (Theano's sit-sot / mit-sot).
    if (taps.length === 1 && taps[0] === -1) buffer = dimshuffle(init, ['x', ...init.shape.map((_, d) => d)]);
    else {
      if (init.ndim < 1 || (init.shape[0] !== null && init.shape[0] < L)) throw new ShapeError(`${where}: output ${i} reads ${L} steps back, so its initial value needs a leading axis of at least ${L} (oldest first), received ${init.describe()}.`);
      buffer = init.shape[0] === L ? init : basicSubtensor(init, [slice(0, L)]);
    }
    const rowType = { dtype: buffer.dtype, shape: buffer.shape.slice(1) };
    recOf.push(recs.length);
    recs.push({ taps, keep: 'all' });
    recInits.push(buffer);
    recInner.push(taps.map((t) => new InputVariable(rowType, `${init.name ?? `out${i}`}[t${t}]`)));
  }

  // Non-sequences: shared variables are passed as themselves (the step may update them), others
  // as inner inputs.
  const nonSeqs = list(o.nonSequences).map((v) => asTensor(v as TensorLike));
  const nsArgs = nonSeqs.map((v) => (v instanceof SharedVariable || v instanceof Constant ? v : new InputVariable(v.type, v.name)));
  const nsInner = nsArgs.filter((v): v is InputVariable => v instanceof InputVariable && !(v instanceof SharedVariable));
  const nsOuter = nonSeqs.filter((_, i) => nsArgs[i] instanceof InputVariable && !(nsArgs[i] instanceof SharedVariable));

  // Call the step once on inner inputs; everything created from here on belongs to the step.
  const marker = new SymbolicTensor({ dtype: 'int32', shape: [] }).id;
  const result = fn(...seqInner, ...recInner.flat(), ...nsArgs);
  const { outs, updates } = parseResult(result, where);
  if (infos && infos.length !== outs.length) throw new GraphError(`${where}: outputsInfo has ${infos.length} entries but the step returned ${outs.length} output(s); give one entry per output (null for an output that is not fed back).`);
  while (recOf.length < outs.length) recOf.push(null);
  recs.forEach((_, k) => {
    const i = recOf.indexOf(k);
    const out = outs[i], init = recInner[k][0];
    if (out.dtype !== init.dtype) throw new DTypeError(`${where}: output ${i} is ${out.dtype} but its initial value is ${init.dtype}; a fed-back output must keep its dtype (cast the initial value or the output).`);
    if (out.ndim !== init.ndim || out.shape.some((d, a) => d !== null && init.shape[a] !== null && d !== init.shape[a])) {
      throw new ShapeError(`${where}: output ${i} has shape ${formatShape(out.shape)} but its initial value has shape ${formatShape(init.shape)}; a fed-back output must keep its shape.`);
    }
  });

  // Classify what the step reads from outside: shared variables it updates become recurrent
  // states; other outer values become implicit non-sequences (loop-invariant, computed once).
  const inner = new Set<ST>([...seqInner, ...recInner.flat(), ...nsInner]);
  const updList = normalizeUpdates(updates);
  const explicit = new Set<ST>(nonSeqs);
  const sharedOuts: SharedVariable[] = updList.map(([v]) => v);
  const updExprs: ST[] = updList.map(([, e]) => e);
  const hoisted: ST[] = [];
  const hoistedSet = new Set<ST>();
  const replace = new Map<ST, ST>();
  // Outside the step: anything built before it, and every root that is not one of its inputs
  // (shared variables, e.g. the state of a random stream drawn inside the step).
  const isOuter = (v: ST) => !inner.has(v) && (v.id <= marker || !v.owner);
  for (let grew = true; grew; ) {
    grew = false;
    const free = freeVariables([...outs, ...updExprs], isOuter);
    for (const v of free) {
      if (v instanceof Constant || hoistedSet.has(v) || sharedOuts.includes(v as SharedVariable)) continue;
      if (v instanceof SharedVariable && v.defaultUpdate && !isOuter(v.defaultUpdate)) {
        // A random stream drawn inside the step: its state advances at every step.
        sharedOuts.push(v);
        updExprs.push(v.defaultUpdate);
        grew = true;
        continue;
      }
      const k = nonSeqs.indexOf(v);
      if (k >= 0 && nsArgs[k] !== v) {
        // The step read a non-sequence directly instead of through its argument: same value.
        replace.set(v, nsArgs[k]);
        hoistedSet.add(v);
        continue;
      }
      if (o.strict && !explicit.has(v)) {
        throw new GraphError(`${where}: with strict, the step may only read what is passed to it, but it reads ${v.describe()}; add it to nonSequences.`);
      }
      hoisted.push(v);
      hoistedSet.add(v);
    }
  }
  const sharedInner = sharedOuts.map((v) => new InputVariable(v.type, v.name));
  const hoistedInner = hoisted.map((v) => new InputVariable(v.type, v.name));
  sharedOuts.forEach((v, i) => replace.set(v, sharedInner[i]));
  hoisted.forEach((v, i) => replace.set(v, hoistedInner[i]));
  const rebuilt = transform([...outs, ...updExprs], () => null, replace);
  const innerOuts = rebuilt.slice(0, outs.length);
  const innerUpd = rebuilt.slice(outs.length);
  updExprs.forEach((e, i) => {
    const v = sharedOuts[i];
    if (e.dtype !== v.dtype) throw new DTypeError(`${where}: the update of ${v.describe()} has dtype ${e.dtype}; cast it to ${v.dtype}.`);
  });

  const recIdx = recs.map((_, k) => recOf.indexOf(k));
  const nonRecIdx = outs.map((_, i) => i).filter((i) => recOf[i] === null);
  const op = new ScanOp({
    inputs: [...seqInner, ...recInner.flat(), ...sharedInner, ...nsInner, ...hoistedInner],
    outputs: [...recIdx.map((i) => innerOuts[i]), ...innerUpd, ...nonRecIdx.map((i) => innerOuts[i])],
    nSeqs: seqInner.length,
    recurrent: [...recs, ...sharedOuts.map(() => ({ taps: [-1], keep: 'all' as const }))],
    nNonSeqs: nsInner.length + hoistedInner.length,
    truncateGradient: o.truncateGradient ?? -1,
    reverse: !!o.goBackwards,
    name,
  });
  const sharedInit = sharedOuts.map((v) => dimshuffle(v, ['x', ...v.shape.map((_, d) => d)]));
  const res = op.make([n, ...seqSlices, ...recInits, ...sharedInit, ...nsOuter, ...hoisted]);
  const stacked: ST[] = outs.map((_, i) => (recOf[i] === null ? res[recs.length + sharedOuts.length + nonRecIdx.indexOf(i)] : res[recOf[i]!]));
  // A reversed op stores step i's results at row n-1-i; Theano's goBackwards lists them as computed.
  const flip = !!o.goBackwards && (o.outputOrder ?? 'computed') === 'computed';
  const outputs = flip ? stacked.map((v) => basicSubtensor(v, [slice(null, null, -1)])) : stacked;
  outputs.forEach((v, i) => (v.name = `${name}.out${i}`));
  const upd = new Map<SharedVariable, ST>();
  sharedOuts.forEach((v, i) => {
    upd.set(v, basicSubtensor(res[recs.length + i], [o.goBackwards ? 0 : -1]));
    // A stream drawn inside the step now advances by the scan's steps when a function uses it,
    // even where the caller does not pass the returned updates.
    if (v.defaultUpdate && !isOuter(v.defaultUpdate)) v.defaultUpdate = upd.get(v);
  });
  const single = result instanceof SymbolicTensor || (isInfo(result, 'outputs') && (result as { outputs: unknown }).outputs instanceof SymbolicTensor);
  return [single ? outputs[0] : outputs, upd];
}

function parseResult(r: StepResult, where: string): { outs: ST[]; updates: Updates | undefined } {
  if (r instanceof SymbolicTensor) return { outs: [r], updates: undefined };
  if (Array.isArray(r)) return { outs: r.map((v, i) => checkOut(v, i, where)), updates: undefined };
  if (r && typeof r === 'object' && ('outputs' in r || 'updates' in r)) {
    const rr = r as { outputs?: ST | readonly ST[]; updates?: Updates };
    return { outs: list(rr.outputs).map((v, i) => checkOut(v, i, where)), updates: rr.updates };
  }
  throw new GraphError(`${where}: the step function must return an expression, a list of expressions, or {outputs, updates}; received ${String(r)}.`);
}

function checkOut(v: unknown, i: number, where: string): ST {
  if (v instanceof SymbolicTensor) return v;
  if (typeof v === 'number') return asTensor(v);
  throw new GraphError(`${where}: output ${i} of the step function is ${String(v)}, not an expression.`);
}

/** Variables read by the step's nodes (created after the marker) that come from outside it. */
function freeVariables(outputs: readonly ST[], isOuter: (v: ST) => boolean): ST[] {
  const found = new Set<ST>();
  const seen = new Set<unknown>();
  const stack: ST[] = [...outputs];
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    if (isOuter(v)) {
      found.add(v);
      continue;
    }
    if (v.owner) stack.push(...v.owner.inputs);
  }
  return [...found];
}
