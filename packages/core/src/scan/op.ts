import { DTypeError, GraphError, ShapeError } from '../errors';
import { Constant, constant } from '../graph/constant';
import { InputVariable, type ST, type TensorType } from '../graph/node';
import { Op, type PerformContext } from '../graph/op';
import { topoSort } from '../graph/traverse';
import { grad } from '../grad';
import { broadcastLike } from '../ops/broadcast';
import { dimshuffle } from '../ops/dimshuffle';
import { add, eq, minimum, sub, where } from '../ops/elemwise';
import { concatenate, stack } from '../ops/join';
import { basicSubtensor, slice, SubtensorGrad } from '../ops/slicing';
import { formatShape, type Shape } from '../shape';
import { tf, type Tensor } from '../tf';
import { transform } from '../compile/transform';
import { innerExecutor, type InnerExecutor } from './executor';


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
  private readonly id = nextScanId++;
  private readonly executors = new Map<string, InnerExecutor>();
  constructor(readonly spec: ScanSpec) {
    super();
    this.name = spec.name ? `Scan{${spec.name}}` : 'Scan';
    this.stochastic = topoSort(spec.outputs).some((ap) => ap.op.stochastic);
    const nTaps = spec.recurrent.reduce((a, r) => a + r.taps.length, 0);
    if (spec.inputs.length !== spec.nSeqs + nTaps + spec.nNonSeqs) throw new GraphError(`${this.name}: ${spec.inputs.length} inner inputs for ${spec.nSeqs} sequences, ${nTaps} taps and ${spec.nNonSeqs} non-sequences (internal error).`);
    for (const r of spec.recurrent) if (!r.taps.length || r.taps.some((t) => !Number.isInteger(t) || t >= 0)) throw new GraphError(`${this.name}: recurrent taps must be negative integers, received [${r.taps.join(', ')}].`);
  }
  override params(): unknown {
    return this.id;
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

  override perform(outer: Tensor[], ctx: PerformContext): Tensor[] {
    const s = this.spec;
    const nRec = this.nRec;
    const n = outer[0].dataSync()[0];
    if (!(n >= 1)) throw new ShapeError(`${this.name}: the number of steps must be at least 1, received ${n}.`);
    const seqs = outer.slice(1, 1 + s.nSeqs).map((x, j) => {
      if (x.shape[0] < n) throw new ShapeError(`${this.name}: sequence ${j} has ${x.shape[0]} steps, fewer than the ${n} steps to run.`);
      return tf.unstack(x.shape[0] === n ? x : tf.slice(x, 0, n));
    });
    const nonSeqs = outer.slice(1 + s.nSeqs + nRec);
    // bufs[k]: every value of recurrent output k so far (initial rows first); 'last' outputs drop
    // values no tap can read any more.
    const bufs = outer.slice(1 + s.nSeqs, 1 + s.nSeqs + nRec).map((init, k) => {
      const L = lag(s.recurrent[k]);
      if (init.shape[0] !== L) throw new ShapeError(`${this.name}: output ${k} reads ${L} step(s) back and needs ${L} initial value(s), received ${init.shape[0]}.`);
      return tf.unstack(init) as (Tensor | undefined)[];
    });
    const nonRec: Tensor[][] = s.outputs.slice(nRec).map(() => []);
    const run = this.executor(ctx.backend);
    for (let t = 0; t < n; t++) {
      const args: Tensor[] = seqs.map((x) => x[t]);
      s.recurrent.forEach((r, k) => r.taps.forEach((tap) => args.push(bufs[k][t + lag(r) + tap]!)));
      args.push(...nonSeqs);
      const outs = run(args);
      for (let k = 0; k < nRec; k++) {
        const prev = bufs[k][t + lag(s.recurrent[k]) - 1]!;
        if (!sameShape(outs[k].shape, prev.shape)) {
          throw new ShapeError(`${this.name}: step ${t} computed output ${k} with shape ${formatShape(outs[k].shape)}, but its previous value has shape ${formatShape(prev.shape)}; a fed-back output must keep its shape (check the initial value's shape).`);
        }
        bufs[k].push(outs[k]);
        if (s.recurrent[k].keep === 'last') {
          const old = t + 1 + lag(s.recurrent[k]) + Math.min(...s.recurrent[k].taps) - 1;
          if (old >= 0 && bufs[k][old]) bufs[k][old]!.dispose(), (bufs[k][old] = undefined);
        }
      }
      outs.slice(nRec).forEach((o, m) => nonRec[m].push(o));
      seqs.forEach((x) => x[t].dispose());
    }
    const results = bufs.map((b, k) => {
      const L = lag(s.recurrent[k]);
      if (s.recurrent[k].keep === 'last') {
        b.slice(0, -1).forEach((v) => v?.dispose());
        return b[b.length - 1]!;
      }
      const r = tf.stack(b.slice(L) as Tensor[]);
      b.forEach((v) => v?.dispose());
      return r;
    });
    for (const list of nonRec) {
      results.push(tf.stack(list));
      list.forEach((v) => v.dispose());
    }
    return results;
  }

  private executor(backend: string): InnerExecutor {
    let e = this.executors.get(backend);
    if (!e) this.executors.set(backend, (e = innerExecutor(this.spec.inputs, this.spec.outputs, this.name)));
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
    if (s.recurrent.some((r) => r.keep === 'last')) throw new GraphError(`${this.name}: differentiating a scan that keeps only its last values (the gradient scan itself) is not supported; a second derivative through scan is not available.`);
    const n = outer[0];
    const m = s.truncateGradient > 0 ? minimum(n, s.truncateGradient) : n;
    const rev = (v: ST, len: ST) => basicSubtensor(v, [slice(add(len, -1), null, -1)]);
    const isF = (v: ST) => v.dtype === 'float32';
    const seqsOut = outer.slice(1, 1 + s.nSeqs);
    const inits = outer.slice(1 + s.nSeqs, 1 + s.nSeqs + nRec);
    const nonSeqsOut = outer.slice(1 + s.nSeqs + nRec);
    const nsOff = s.inputs.length - s.nNonSeqs;
    const ph = (v: ST, name: string) => new InputVariable(v.type, name);

    // Backward sequences: the forward sequences, the values each tap read, the outputs' gradients.
    const bSeqOuter: ST[] = [];
    const bSeqInner: InputVariable[] = [];
    const replace = new Map<ST, ST>();
    seqsOut.forEach((x, j) => {
      const p = ph(s.inputs[j], `${s.inputs[j].name ?? 'seq'}`);
      bSeqOuter.push(rev(x, n));
      bSeqInner.push(p);
      replace.set(s.inputs[j], p);
    });
    s.recurrent.forEach((r, k) => {
      const L = lag(r);
      const buf = concatenate([inits[k], outputs[k]], 0);
      r.taps.forEach((tap, j) => {
        const fwd = s.inputs[this.tapInput(k, j)];
        const p = ph(fwd, `${fwd.name ?? 'state'}`);
        const read = basicSubtensor(buf, [slice(L + tap, add(n, L + tap))]);
        bSeqOuter.push(rev(read, n));
        bSeqInner.push(p);
        replace.set(fwd, p);
      });
    });
    const gSeq = new Map<number, InputVariable>();
    s.outputs.forEach((o, k) => {
      const g = gOutputs[k];
      if (!g || !isF(o)) return;
      const p = new InputVariable({ dtype: 'float32', shape: g.shape.slice(1) }, `g_out${k}`);
      bSeqOuter.push(rev(g, n));
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
    const accInner = new Map<number, InputVariable>();
    for (const k of recF) {
      const fwd = s.inputs[this.tapInput(k, 0)];
      accInner.set(k, new InputVariable({ dtype: 'float32', shape: [lag(s.recurrent[k]), ...fwd.shape] }, `g_state${k}`));
    }
    const known = new Map<ST, ST>();
    const seed = (v: ST, g: ST) => known.set(v, known.has(v) ? add(known.get(v)!, g) : g);
    s.outputs.forEach((_, k) => {
      if (!isF(outputs[k])) return;
      let g: ST | null = gSeq.get(k) ?? null;
      if (k < nRec) {
        const last = basicSubtensor(accInner.get(k)!, [lag(s.recurrent[k]) - 1]);
        g = g ? add(last, g) : last;
      }
      if (g) seed(outs[k], g);
    });
    const seqF = seqsOut.map((_, j) => j).filter((j) => isF(seqsOut[j]));
    const nsF = nonSeqsOut.map((_, i) => i).filter((i) => isF(nonSeqsOut[i]));
    const tapF = recF.flatMap((k) => s.recurrent[k].taps.map((_, j) => ({ k, j, p: bSeqInner[this.tapInput(k, j)] })));
    const wrt: ST[] = [...seqF.map((j) => bSeqInner[j]), ...tapF.map((t) => t.p), ...nsF.map((i) => nsInner[i])];
    const grads = known.size ? grad(null, wrt, { knownGrads: known, disconnected: 'zero' }) : wrt.map((w) => broadcastLike(constant(0, { dtype: 'float32' }), w));
    const gSeqStep = grads.slice(0, seqF.length);
    const gTap = grads.slice(seqF.length, seqF.length + tapF.length);
    const gNs = grads.slice(seqF.length + tapF.length);

    // Carried states: the shifted tap gradients of each recurrent output, the non-sequence sums.
    const newAcc = recF.map((k) => {
      const r = s.recurrent[k];
      const L = lag(r);
      const acc = accInner.get(k)!;
      const rows: ST[] = [];
      for (let i = 0; i < L; i++) {
        const parts: ST[] = i >= 1 ? [basicSubtensor(acc, [i - 1])] : [];
        tapF.forEach((t, q) => {
          if (t.k === k && L + r.taps[t.j] === i) parts.push(gTap[q]);
        });
        rows.push(parts.length ? parts.reduce((a, b) => add(a, b)) : broadcastLike(constant(0, { dtype: 'float32' }), basicSubtensor(acc, [0])));
      }
      return stack(rows, 0);
    });
    const nsAccInner = nsF.map((i) => new InputVariable(nonSeqsOut[i].type, `g_${s.inputs[nsOff + i].name ?? `nonseq${i}`}`));
    const newNsAcc = nsF.map((_, q) => add(nsAccInner[q], gNs[q]));
    const zeroInit = (like: ST) => dimshuffle(broadcastLike(constant(0, { dtype: 'float32' }), like), ['x', ...like.shape.map((_, i) => i)]);
    const backward = new ScanOp({
      inputs: [...bSeqInner, ...recF.map((k) => accInner.get(k)!), ...nsAccInner, ...nsInner],
      outputs: [...newAcc, ...newNsAcc, ...gSeqStep],
      nSeqs: bSeqInner.length,
      recurrent: [...recF, ...nsF].map(() => ({ taps: [-1], keep: 'last' as const })),
      nNonSeqs: nsInner.length,
      truncateGradient: -1,
      name: `grad_of_${s.name ?? 'scan'}`,
    });
    const bOuts = backward.make([
      m,
      ...bSeqOuter,
      ...recF.map((k) => zeroInit(inits[k])),
      ...nsF.map((i) => zeroInit(nonSeqsOut[i])),
      ...nonSeqsOut,
    ]);
    const result: (ST | null)[] = outer.map(() => null);
    recF.forEach((k, q) => {
      const g = bOuts[q];
      result[1 + s.nSeqs + k] = s.truncateGradient > 0 ? where(eq(m, n), g, 0) : g;
    });
    nsF.forEach((i, q) => (result[1 + s.nSeqs + nRec + i] = bOuts[recF.length + q]));
    seqF.forEach((j, q) => {
      // Per-step gradients come in backward order over the last m steps: reverse them and write
      // them at [n - m, n) of a zero tensor shaped like the sequence.
      const gRev = bOuts[recF.length + nsF.length + q];
      const spec = [{ kind: 'slice' as const, start: { input: 0 }, stop: { input: 1 }, step: 1 }];
      result[1 + j] = new SubtensorGrad(spec).make1(seqsOut[j], rev(gRev, m), sub(n, m), n);
    });
    return result;
  }
}


function mergeShapes(a: Shape, b: Shape): (number | null)[] {
  return a.map((d, i) => d ?? b[i] ?? null);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
