import { DTypeError, GraphError, ShapeError } from '../errors';
import { Constant, constant } from '../graph/constant';
import { InputVariable, type ST, type TensorType } from '../graph/node';
import { hostInput, Op, type PerformContext, type PerformOutput } from '../graph/op';
import { HostTensor, makeTypedArray } from '../host';
import { topoSort } from '../graph/traverse';
import { grad } from '../grad';
import { BroadcastLike, broadcastLike } from '../ops/broadcast';
import { dimshuffle } from '../ops/dimshuffle';
import { add, eq, minimum, sub, where } from '../ops/elemwise';
import { concatenate, stack } from '../ops/join';
import { basicSubtensor, slice, SubtensorGrad } from '../ops/slicing';
import { formatShape, type Shape } from '../shape';
import { tf, type Tensor } from '../tf';
import { transform } from '../compile/transform';
import { readsSynchronously } from '../backend';
import type { ProfileHook } from '../compile/executor';
import { innerExecutor, type InnerExecutor, type InnerValue } from './executor';
import { splitRows, stackRows } from './rows';


/** One fed-back output: the taps it reads (negative: -1 = the previous step) and what is kept. */
export interface ScanRecurrent {
  readonly taps: readonly number[];
  /** 'all': the op outputs every step's value stacked; 'last': only the final value. */
  readonly keep: 'all' | 'last';
}

/**
 * The inner graph and its wiring. Inner inputs: one per sequence, then every tap of every
 * recurrent output (in `recurrent` order), then the non-sequences. Inner outputs: the new value
 * of each recurrent output, then the outputs that are not fed back.
 * Outer inputs: the number of steps (int32 scalar), each sequence (length >= steps), each
 * recurrent output's initial buffer (leading axis = its largest lag, oldest first), the
 * non-sequences. Outer outputs: each recurrent output (stacked over steps, or the last value),
 * then each non-recurrent output stacked over steps.
 */
export interface ScanSpec {
  readonly inputs: readonly InputVariable[];
  readonly outputs: readonly ST[];
  readonly nSeqs: number;
  readonly recurrent: readonly ScanRecurrent[];
  readonly nNonSeqs: number;
  /** Backpropagate through at most this many steps (-1: all, Theano's truncate_gradient). */
  readonly truncateGradient: number;
  /**
   * Run the steps from the last position to the first: step i reads the sequences at n-1-i and
   * its outputs are stored at n-1-i (outputs stay aligned with the sequences' positions).
   */
  readonly reverse?: boolean;
  readonly name?: string;
}

let nextScanId = 1;
const lag = (r: ScanRecurrent) => -Math.min(...r.taps);

/**
 * Theano's Scan op: runs an inner graph once per step with the project's executor, feeding back
 * recurrent outputs. Its gradient is another Scan (backpropagation through time as graph).
 */
export class ScanOp extends Op {
  readonly name: string;
  override readonly stochastic: boolean;
  /**
   * The number of steps is read on the host, and so are integer and boolean sequences, initial
   * values and non-sequences (a random stream's state, counters): the steps keep them there.
   */
  override readonly hostInputs: readonly number[];
  private readonly id = nextScanId++;
  private readonly executors = new Map<string, InnerExecutor>();
  constructor(readonly spec: ScanSpec) {
    super();
    this.name = spec.name ? `Scan{${spec.name}}` : 'Scan';
    this.stochastic = topoSort(spec.outputs).some((ap) => ap.op.stochastic);
    const nTaps = spec.recurrent.reduce((a, r) => a + r.taps.length, 0);
    if (spec.inputs.length !== spec.nSeqs + nTaps + spec.nNonSeqs) throw new GraphError(`${this.name}: ${spec.inputs.length} inner inputs for ${spec.nSeqs} sequences, ${nTaps} taps and ${spec.nNonSeqs} non-sequences (internal error).`);
    for (const r of spec.recurrent) if (!r.taps.length || r.taps.some((t) => !Number.isInteger(t) || t >= 0)) throw new GraphError(`${this.name}: recurrent taps must be negative integers, received [${r.taps.join(', ')}].`);
    // Outer input 1 + i (after the step count) feeds inner input `inner[i]`.
    const inner = [...spec.inputs.slice(0, spec.nSeqs), ...spec.recurrent.map((_, k) => spec.inputs[this.tapInput(k, 0)]), ...spec.inputs.slice(spec.inputs.length - spec.nNonSeqs)];
    this.hostInputs = [0, ...inner.flatMap((v, i) => (v.dtype === 'float32' ? [] : [1 + i]))];
  }
  /**
   * Scans are not compared by their inner graphs: each ScanOp is its own op (two nodes of the
   * same ScanOp with the same inputs still merge). It declares no props, so labels show its name.
   */
  override key(): string {
    return `${this.name}#${this.id}`;
  }
  get nRec(): number {
    return this.spec.recurrent.length;
  }
  /** Inner input index of tap `j` of recurrent output `k`. */
  tapInput(k: number, j: number): number {
    let i = this.spec.nSeqs;
    for (let q = 0; q < k; q++) i += this.spec.recurrent[q].taps.length;
    return i + j;
  }

  override inferTypes(outer: readonly ST[]): TensorType[] {
    const s = this.spec;
    const nRec = this.nRec;
    if (outer.length !== 1 + s.nSeqs + nRec + s.nNonSeqs) throw new GraphError(`${this.name}: expected ${1 + s.nSeqs + nRec + s.nNonSeqs} inputs, received ${outer.length}.`);
    const n = outer[0];
    if (n.ndim !== 0 || n.dtype !== 'int32') throw new DTypeError(`${this.name}: the number of steps must be an int32 scalar, received ${n.describe()}.`);
    const check = (o: ST, inner: ST, lead: boolean, what: string) => {
      const rank = inner.ndim + (lead ? 1 : 0);
      const rowShape = lead ? o.shape.slice(1) : o.shape;
      const fits = o.dtype === inner.dtype && o.ndim === rank && rowShape.every((d, i) => d === null || inner.shape[i] === null || d === inner.shape[i]);
      if (!fits) throw new ShapeError(`${this.name}: ${what} is ${o.describe()}; the step function was built for ${lead ? 'rows of ' : ''}${formatShape(inner.shape)} ${inner.dtype}.`);
    };
    for (let j = 0; j < s.nSeqs; j++) check(outer[1 + j], s.inputs[j], true, `sequence ${j}`);
    for (let k = 0; k < nRec; k++) check(outer[1 + s.nSeqs + k], s.inputs[this.tapInput(k, 0)], true, `the initial value of output ${k}`);
    const nsOff = s.inputs.length - s.nNonSeqs;
    for (let i = 0; i < s.nNonSeqs; i++) check(outer[1 + s.nSeqs + nRec + i], s.inputs[nsOff + i], false, `non-sequence ${i}`);
    const steps = n instanceof Constant ? (n.scalarValue() ?? null) : null;
    return s.outputs.map((o, k) => {
      if (k >= nRec) return { dtype: o.dtype, shape: [steps, ...o.shape] };
      const row = mergeShapes(o.shape, s.inputs[this.tapInput(k, 0)].shape);
      return { dtype: o.dtype, shape: s.recurrent[k].keep === 'all' ? [steps, ...row] : row };
    });
  }

  override perform(outerTensors: Tensor[], ctx: PerformContext): PerformOutput[] {
    const s = this.spec;
    const nRec = this.nRec;
    const n = hostInput(ctx, 0, this.name).data[0];
    if (!(n >= 1)) throw new ShapeError(`${this.name}: the number of steps must be at least 1, received ${n}.`);
    // Integer values on the host (see hostInputs), the others on the device.
    const outer: InnerValue[] = outerTensors.map((t, i) => (this.hostInputs.includes(i) ? hostInput(ctx, i, this.name) : t));
    const seqs = outer.slice(1, 1 + s.nSeqs).map((x, j) => {
      if (x.shape[0] < n) throw new ShapeError(`${this.name}: sequence ${j} has ${x.shape[0]} steps, fewer than the ${n} steps to run.`);
      return rows(x, n);
    });
    const nonSeqs = outer.slice(1 + s.nSeqs + nRec);
    // bufs[k]: every value of recurrent output k so far (initial rows first); 'last' outputs drop
    // values no tap can read any more.
    const bufs = outer.slice(1 + s.nSeqs, 1 + s.nSeqs + nRec).map((init, k) => {
      const L = lag(s.recurrent[k]);
      if (init.shape[0] !== L) throw new ShapeError(`${this.name}: output ${k} reads ${L} step(s) back and needs ${L} initial value(s), received ${init.shape[0]}.`);
      return rows(init, L) as (InnerValue | undefined)[];
    });
    const nonRec: InnerValue[][] = s.outputs.slice(nRec).map(() => []);
    const exec = this.executor(ctx.backend);
    // Timing a node waits for its outputs (a synchronous read): not where the backend only reads asynchronously.
    const prof = ctx.profile && readsSynchronously() ? ctx.profile.inner(this, exec.steps) : undefined;
    const hook: ProfileHook | undefined = prof && (({ index, ms, lowering }) => prof.node(index, ms, lowering));
    for (let t = 0; t < n; t++) {
      const pos = s.reverse ? n - 1 - t : t;
      const args: InnerValue[] = seqs.map((x) => x[pos]);
      s.recurrent.forEach((r, k) => r.taps.forEach((tap) => args.push(bufs[k][t + lag(r) + tap]!)));
      args.push(...nonSeqs);
      const t0 = prof ? performance.now() : 0;
      const outs = exec(args, hook, prof);
      prof?.call(performance.now() - t0);
      for (let k = 0; k < nRec; k++) {
        const prev = bufs[k][t + lag(s.recurrent[k]) - 1]!;
        if (!sameShape(outs[k].shape, prev.shape)) {
          throw new ShapeError(`${this.name}: step ${t} computed output ${k} with shape ${formatShape(outs[k].shape)}, but its previous value has shape ${formatShape(prev.shape)}; a fed-back output must keep its shape (check the initial value's shape).`);
        }
        bufs[k].push(outs[k]);
        if (s.recurrent[k].keep === 'last') {
          const old = t + 1 + lag(s.recurrent[k]) + Math.min(...s.recurrent[k].taps) - 1;
          if (old >= 0 && bufs[k][old]) free(bufs[k][old]), (bufs[k][old] = undefined);
        }
      }
      outs.slice(nRec).forEach((o, m) => nonRec[m].push(o));
      free(seqs.map((x) => x[pos]));
    }
    const results = bufs.map((b, k) => {
      const L = lag(s.recurrent[k]);
      if (s.recurrent[k].keep === 'last') {
        free(b.slice(0, -1));
        return b[b.length - 1]!;
      }
      const steps = b.slice(L) as InnerValue[];
      const r = stackValues(s.reverse ? steps.reverse() : steps, this.name);
      free(b);
      return r;
    });
    for (const list of nonRec) {
      results.push(stackValues(s.reverse ? [...list].reverse() : list, this.name));
      free(list);
    }
    return results;
  }

  private executor(backend: string): InnerExecutor {
    let e = this.executors.get(backend);
    if (!e) this.executors.set(backend, (e = innerExecutor(this.spec.inputs, this.spec.outputs, backend)));
    return e;
  }

  /**
   * Backpropagation through time as another Scan, run over the reversed steps: at step t it
   * recomputes the step's graph from the stored states, takes the gradient of the step's inputs
   * given the gradient reaching its outputs, and carries (a) for each fed-back output, the
   * gradient still to be added to the values its taps read, and (b) for each non-sequence, the
   * sum so far. Sequences receive their per-step gradients.
   */
  override grad(outer: readonly ST[], outputs: readonly ST[], gOutputs: readonly (ST | null)[]): (ST | null)[] {
    const s = this.spec;
    const nRec = this.nRec;
    if (s.recurrent.some((r) => r.keep === 'last')) return this.gradThroughStacked(outer, gOutputs);
    const n = outer[0];
    const m = s.truncateGradient > 0 ? minimum(n, s.truncateGradient) : n;
    const isF = (v: ST) => v.dtype === 'float32';
    const seqsOut = outer.slice(1, 1 + s.nSeqs);
    const inits = outer.slice(1 + s.nSeqs, 1 + s.nSeqs + nRec);
    const nonSeqsOut = outer.slice(1 + s.nSeqs + nRec);
    const nsOff = s.inputs.length - s.nNonSeqs;
    const ph = (v: ST, name: string) => new InputVariable(v.type, name);
    // The backward scan visits the forward steps last to first: the opposite direction over the
    // same (aligned) positions, so nothing is reversed. Truncated, it visits the last m steps:
    // positions [n-m, n) of a forward scan, [0, m) of a reversed one.
    const truncated = s.truncateGradient > 0;
    const [lo, hi] = s.reverse ? [constant(0, { dtype: 'int32' }), m] : [sub(n, m), n];
    const window = (v: ST) => (truncated && !s.reverse ? basicSubtensor(v, [slice(lo, hi)]) : v);

    // Backward sequences: the forward sequences, the values each tap read, the outputs' gradients.
    const bSeqOuter: ST[] = [];
    const bSeqInner: InputVariable[] = [];
    const replace = new Map<ST, ST>();
    seqsOut.forEach((x, j) => {
      const p = ph(s.inputs[j], `${s.inputs[j].name ?? 'seq'}`);
      bSeqOuter.push(window(x));
      bSeqInner.push(p);
      replace.set(s.inputs[j], p);
    });
    s.recurrent.forEach((r, k) => {
      const L = lag(r);
      // What tap -d read at each position: the value d steps earlier in the run, or an initial one.
      const buf = s.reverse ? concatenate([outputs[k], basicSubtensor(inits[k], [slice(null, null, -1)])], 0) : concatenate([inits[k], outputs[k]], 0);
      r.taps.forEach((tap, j) => {
        const fwd = s.inputs[this.tapInput(k, j)];
        const p = ph(fwd, `${fwd.name ?? 'state'}`);
        const off = s.reverse ? -tap : L + tap;
        bSeqOuter.push(window(basicSubtensor(buf, [slice(off, add(n, off))])));
        bSeqInner.push(p);
        replace.set(fwd, p);
      });
    });
    const gSeq = new Map<number, InputVariable>();
    s.outputs.forEach((o, k) => {
      const g = gOutputs[k];
      if (!g || !isF(o)) return;
      const p = new InputVariable({ dtype: 'float32', shape: g.shape.slice(1) }, `g_out${k}`);
      bSeqOuter.push(window(g));
      bSeqInner.push(p);
      gSeq.set(k, p);
    });
    const nsInner = nonSeqsOut.map((w, i) => {
      const p = ph(s.inputs[nsOff + i], s.inputs[nsOff + i].name ?? `nonseq${i}`);
      replace.set(s.inputs[nsOff + i], p);
      return p;
    });

    // The step's graph again, on the backward scan's inputs.
    const outs = transform(s.outputs, () => null, replace);
    const recF = s.recurrent.map((_, k) => k).filter((k) => isF(outputs[k]));
    // A fed-back output's pending gradients: one row per lag (just the state's shape when the
    // lag is 1, the common case, so no stacking is needed).
    const accInner = new Map<number, InputVariable>();
    for (const k of recF) {
      const fwd = s.inputs[this.tapInput(k, 0)];
      const L = lag(s.recurrent[k]);
      accInner.set(k, new InputVariable({ dtype: 'float32', shape: L === 1 ? fwd.shape : [L, ...fwd.shape] }, `g_state${k}`));
    }
    const accRow = (k: number, i: number) => (lag(s.recurrent[k]) === 1 ? accInner.get(k)! : basicSubtensor(accInner.get(k)!, [i]));
    const known = new Map<ST, ST>();
    const seed = (v: ST, g: ST) => known.set(v, known.has(v) ? add(known.get(v)!, g) : g);
    s.outputs.forEach((_, k) => {
      if (!isF(outputs[k])) return;
      let g: ST | null = gSeq.get(k) ?? null;
      if (k < nRec) {
        const last = accRow(k, lag(s.recurrent[k]) - 1);
        g = g ? add(last, g) : last;
      }
      if (g) seed(outs[k], g);
    });
    const tapsOf = recF.flatMap((k) => s.recurrent[k].taps.map((_, j) => ({ k, j, p: bSeqInner[this.tapInput(k, j)] })));
    const wrtAll: ST[] = [...seqsOut.map((_, j) => bSeqInner[j]), ...tapsOf.map((t) => t.p), ...nsInner];
    const floatWrt = wrtAll.filter(isF);
    const gAll = new Map<ST, ST>();
    if (known.size) {
      const gs = grad(null, floatWrt, { knownGrads: known, disconnected: 'zero' });
      // Inputs that receive no gradient in the step (e.g. a mask read only as a condition) get no
      // per-step output and no accumulator.
      floatWrt.forEach((w, i) => {
        if (!isZeroFill(gs[i], w)) gAll.set(w, gs[i]);
      });
    }
    const seqF = seqsOut.map((_, j) => j).filter((j) => gAll.has(bSeqInner[j]));
    const nsF = nonSeqsOut.map((_, i) => i).filter((i) => gAll.has(nsInner[i]));
    const gSeqStep = seqF.map((j) => gAll.get(bSeqInner[j])!);

    // Carried states: the shifted tap gradients of each recurrent output, the non-sequence sums.
    const newAcc = recF.map((k) => {
      const r = s.recurrent[k];
      const L = lag(r);
      const rows: ST[] = [];
      for (let i = 0; i < L; i++) {
        const parts: ST[] = i >= 1 ? [accRow(k, i - 1)] : [];
        tapsOf.forEach((t) => {
          const g = gAll.get(t.p);
          if (g && t.k === k && L + r.taps[t.j] === i) parts.push(g);
        });
        rows.push(parts.length ? parts.reduce((a, b) => add(a, b)) : broadcastLike(constant(0, { dtype: 'float32' }), accRow(k, 0)));
      }
      return L === 1 ? rows[0] : stack(rows, 0);
    });
    const nsAccInner = nsF.map((i) => new InputVariable(nonSeqsOut[i].type, `g_${s.inputs[nsOff + i].name ?? `nonseq${i}`}`));
    const newNsAcc = nsF.map((i, q) => add(nsAccInner[q], gAll.get(nsInner[i])!));
    const zeroInit = (like: ST) => dimshuffle(broadcastLike(constant(0, { dtype: 'float32' }), like), ['x', ...like.shape.map((_, i) => i)]);
    const backward = new ScanOp({
      inputs: [...bSeqInner, ...recF.map((k) => accInner.get(k)!), ...nsAccInner, ...nsInner],
      outputs: [...newAcc, ...newNsAcc, ...gSeqStep],
      nSeqs: bSeqInner.length,
      recurrent: [...recF, ...nsF].map(() => ({ taps: [-1], keep: 'last' as const })),
      nNonSeqs: nsInner.length,
      truncateGradient: -1,
      reverse: !s.reverse,
      name: `grad_of_${s.name ?? 'scan'}`,
    });
    const bOuts = backward.make([
      m,
      ...bSeqOuter,
      ...recF.map((k) => zeroInit(lag(s.recurrent[k]) === 1 ? basicSubtensor(inits[k], [0]) : inits[k])),
      ...nsF.map((i) => zeroInit(nonSeqsOut[i])),
      ...nonSeqsOut,
    ]);
    const result: (ST | null)[] = outer.map(() => null);
    recF.forEach((k, q) => {
      const g = lag(s.recurrent[k]) === 1 ? dimshuffle(bOuts[q], ['x', ...bOuts[q].shape.map((_, i) => i)]) : bOuts[q];
      result[1 + s.nSeqs + k] = s.truncateGradient > 0 ? where(eq(m, n), g, 0) : g;
    });
    nsF.forEach((i, q) => (result[1 + s.nSeqs + nRec + i] = bOuts[recF.length + q]));
    seqF.forEach((j, q) => {
      // Per-step gradients of the visited positions, written into zeros shaped like the sequence.
      const g = bOuts[recF.length + nsF.length + q];
      const spec = [{ kind: 'slice' as const, start: { input: 0 }, stop: { input: 1 }, step: 1 }];
      result[1 + j] = new SubtensorGrad(spec).make1(seqsOut[j], g, lo, hi);
    });
    return result;
  }

  /**
   * The gradient of a scan that outputs only the last value of some recurrent outputs (a gradient
   * scan's accumulators, so this is what a second derivative reaches): the same scan keeping every
   * step's value, whose gradient is the one above with the incoming gradient on the last step's
   * row (the first row of a reversed scan). As Theano, which differentiates the gradient scan as
   * any scan; the stacked values are recomputed only in the graph of the higher derivative.
   */
  private gradThroughStacked(outer: readonly ST[], gOutputs: readonly (ST | null)[]): (ST | null)[] {
    const s = this.spec;
    const twin = new ScanOp({ ...s, recurrent: s.recurrent.map((r) => ({ taps: r.taps, keep: 'all' as const })) });
    const full = twin.make([...outer]);
    const gFull = full.map((v, k) => {
      const g = gOutputs[k];
      if (!g || k >= this.nRec || s.recurrent[k].keep === 'all') return g;
      const last = basicSubtensor(v, [s.reverse ? 0 : -1]);
      return grad(null, v, { knownGrads: new Map([[last, g]]) });
    });
    return twin.grad(outer, full, gFull);
  }
}


/** Whether `g` is the zero fill `grad` gives a variable that receives no gradient. */
function isZeroFill(g: ST, w: ST): boolean {
  const ap = g.owner;
  return !!ap && ap.op instanceof BroadcastLike && ap.inputs[1] === w && ap.inputs[0] instanceof Constant && ap.inputs[0].scalarValue() === 0;
}

function mergeShapes(a: Shape, b: Shape): (number | null)[] {
  return a.map((d, i) => d ?? b[i] ?? null);
}

/** The first `n` rows of x along its leading axis (host rows for a host value). */
function rows(x: InnerValue, n: number): InnerValue[] {
  if (!(x instanceof HostTensor)) return splitRows(x, n);
  const size = x.size / x.shape[0];
  return Array.from({ length: n }, (_, r) => new HostTensor(x.data.slice(r * size, (r + 1) * size), x.shape.slice(1), x.dtype));
}

/** The values stacked along a new leading axis: on the host when they all are there. */
function stackValues(list: readonly InnerValue[], where: string): InnerValue {
  if (!list.every((v): v is HostTensor => v instanceof HostTensor)) return stackRows(list.map((v) => (v instanceof HostTensor ? tf.tensor(v.data, [...v.shape], v.dtype) : v)), where);
  const size = list[0].size;
  const out = makeTypedArray(list[0].dtype, new Float32Array(size * list.length));
  list.forEach((v, r) => out.set(v.data, r * size));
  return new HostTensor(out, [list.length, ...list[0].shape], list[0].dtype);
}

/** Frees the device values among `vs` (host values need nothing). */
function free(vs: InnerValue | readonly (InnerValue | undefined)[] | undefined): void {
  for (const v of Array.isArray(vs) ? vs : [vs]) if (v && !(v instanceof HostTensor)) v.dispose();
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
