import type { Apply } from '../graph/node';
import type { NodeProfiling } from '../graph/op';
import { opLabel } from '../printing/labels';

/** What one apply node (one step of the plan) cost, summed over the calls. */
export interface NodeProfile {
  /** Position in the execution order. */
  readonly step: number;
  /** The op's name (`Conv2D`) and its label with parameters (`Conv2D{borderMode=valid, ...}`). */
  readonly op: string;
  readonly label: string;
  /** The kernel or lowering that ran, where the op reports one. */
  readonly impl?: string;
  readonly ms: number;
  readonly calls: number;
}

/** A compiled function's profile: `fn.profile()` with `compile(..., {profile: true})` or LASAGNE_PROFILE=1. */
export interface ProfileData {
  /** Calls of the function and their total wall time in ms (uploads, every op, downloads, updates). */
  readonly calls: number;
  readonly wallMs: number;
  /** Milliseconds and node executions per op name (the sum of `nodes` by op). */
  readonly ops: Readonly<Record<string, { ms: number; calls: number }>>;
  /** Per apply node, in execution order. */
  readonly nodes: readonly NodeProfile[];
  /** The inner programs of nodes that run one per call of theirs (a Scan's step), with their own profiles. */
  readonly inner?: readonly InnerProfile[];
}

/** The profile of a node's inner program (Theano's scan profile): `data.calls` counts its runs (a Scan's steps). */
export interface InnerProfile {
  /** The node's position and label in the outer function. */
  readonly step: number;
  readonly label: string;
  readonly data: ProfileData;
}


/** Accumulates the times a compiled function measures (it waits for each op's result before reading the clock). */
export class Profiler implements NodeProfiling {
  private calls = 0;
  private wallMs = 0;
  private readonly ms: Float64Array;
  private readonly count: Float64Array;
  private readonly impl: (string | undefined)[];
  constructor(private readonly steps: readonly Apply[]) {
    this.ms = new Float64Array(steps.length);
    this.count = new Float64Array(steps.length);
    this.impl = steps.map(() => undefined);
  }
  /** One execution of step `i` took `ms`. */
  node(i: number, ms: number, impl?: string): void {
    this.ms[i] += ms;
    this.count[i]++;
    if (impl !== undefined) this.impl[i] = impl;
  }
  /** The profiler of the program an op of this function runs (a Scan's step): one per op, a new one when its nodes change. */
  inner(key: object, steps: readonly Apply[]): Profiler {
    let p = this.inners.get(key);
    if (!p || p.steps !== steps) this.inners.set(key, (p = new Profiler(steps)));
    return p;
  }
  private readonly inners = new Map<object, Profiler>();
  /** One call of the function took `ms` of wall time. */
  call(ms: number): void {
    this.calls++;
    this.wallMs += ms;
  }
  data(): ProfileData {
    const ops: Record<string, { ms: number; calls: number }> = {};
    const nodes: NodeProfile[] = this.steps.map((ap, i) => {
      const e = (ops[ap.op.name] ??= { ms: 0, calls: 0 });
      e.ms += this.ms[i];
      e.calls += this.count[i];
      return { step: i, op: ap.op.name, label: opLabel(ap.op), ...(this.impl[i] !== undefined ? { impl: this.impl[i] } : {}), ms: this.ms[i], calls: this.count[i] };
    });
    for (const k of Object.keys(ops)) if (ops[k].calls === 0) delete ops[k];
    const inner: InnerProfile[] = [];
    this.steps.forEach((ap, i) => {
      const data = this.inners.get(ap.op)?.data();
      if (data && data.calls) inner.push({ step: i, label: opLabel(ap.op), data });
    });
    return { calls: this.calls, wallMs: this.wallMs, ops, nodes, ...(inner.length ? { inner } : {}) };
  }
}
