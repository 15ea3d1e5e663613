import { GraphError, ShapeError } from '../errors';
import { asTensor, type TensorLike } from '../graph/lift';
import { stack } from '../ops/join';
import { basicSubtensor } from '../ops/slicing';
import type { ST } from '../graph/node';

export interface UnrollOptions {
  sequences?: TensorLike | readonly TensorLike[];
  /** Initial values of the fed-back outputs (tap -1 each); null for an output not fed back. */
  outputsInfo?: TensorLike | null | readonly (TensorLike | null)[];
  nonSequences?: TensorLike | readonly TensorLike[];
  /** The number of steps; without it, the sequences' static length. */
  nSteps?: number;
  goBackwards?: boolean;
  /** With goBackwards: 'computed' (default) stacks the outputs in the order computed, 'input' at their positions. */
  outputOrder?: 'computed' | 'input';
}

/** A single entry or a list of entries, as a list. */
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? [...v] : [v]);

/**
 * Lasagne's `unroll_scan`: the loop of `scan` written out as plain graph for a known number of
 * steps (no Scan node: every step's nodes are rewritten and differentiated like any graph, at the
 * price of a graph that grows with the steps). Same arguments as `scan` (taps -1 and 0 only);
 * returns the outputs stacked over the steps, in the order computed.
 *
 * @example
 * const x = tensor('float32', [3, 2]), h0 = vector('h0');
 * const hs = unroll((xt, h) => add(h, xt), { sequences: x, outputsInfo: h0 });
 * const f = compile([x, h0], hs);
 * f([[1, 2], [3, 4], [5, 6]], [0, 10]); // [[1, 12], [4, 16], [9, 22]]
 */
export function unroll(fn: (...args: ST[]) => ST, options: UnrollOptions): ST;
export function unroll(fn: (...args: ST[]) => readonly ST[], options: UnrollOptions): ST[];
export function unroll(fn: (...args: ST[]) => ST | readonly ST[], options: UnrollOptions): ST | ST[] {
  const seqs = list(options.sequences).map((v) => asTensor(v as TensorLike));
  const infos = (options.outputsInfo === undefined ? [] : list(options.outputsInfo)) as (TensorLike | null)[];
  const nonSeqs = list(options.nonSequences).map((v) => asTensor(v as TensorLike));
  const known = seqs.map((s) => s.shape[0]);
  let n = options.nSteps;
  if (n === undefined) {
    if (!seqs.length) throw new GraphError('unroll: without sequences the number of steps is unknown; pass nSteps.');
    if (known.some((d) => d === null)) throw new ShapeError(`unroll: the number of steps must be known when the graph is built; the sequences' lengths are ${known.map((d) => d ?? 'unknown').join(', ')}. Pass nSteps, or use scan.`);
    n = Math.min(...(known as number[]));
  }
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`unroll: nSteps must be a positive integer, received ${n}.`);
  for (const [j, d] of known.entries()) if (d !== null && d < n) throw new ShapeError(`unroll: sequence ${j} has ${d} steps, fewer than nSteps = ${n}.`);
  let prev: (ST | null)[] = infos.map((v) => (v === null ? null : asTensor(v)));
  const steps: ST[][] = [];
  let single = true;
  for (let i = 0; i < n; i++) {
    const t = options.goBackwards ? n - 1 - i : i;
    const args = [...seqs.map((s) => basicSubtensor(s, [t])), ...(prev.filter((p) => p !== null) as ST[]), ...nonSeqs];
    const r = fn(...args);
    const outs = Array.isArray(r) ? [...(r as ST[])] : [r as ST];
    single = !Array.isArray(r);
    if (infos.length && outs.length !== infos.length) throw new GraphError(`unroll: outputsInfo has ${infos.length} entries but the step returned ${outs.length} output(s).`);
    steps.push(outs);
    prev = prev.map((p, k) => (p === null ? null : outs[k]));
  }
  const order = options.goBackwards && options.outputOrder === 'input' ? [...steps].reverse() : steps;
  const stacked = steps[0].map((_, k) => stack(order.map((s) => s[k]), 0));
  return single ? stacked[0] : stacked;
}
