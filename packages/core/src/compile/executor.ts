import { readsSynchronously } from '../backend';
import { hasHostMemory } from '../backend/host-memory';
import { GraphError, ShapeError, SyncCallError } from '../errors';
import type { Apply, ST } from '../graph/node';
import type { NodeProfiling, PerformContext } from '../graph/op';
import { HostTensor } from '../host';
import { fitsStatic, formatShape } from '../shape';
import { envVar } from '../platform';
import { tf, type Tensor } from '../tf';
import { lower } from '../lowering/registry';
import './empty-operands';
import { evalOnHost, needsHostForInt32, runsOnHost } from './host-eval';
import type { Plan } from './plan';

/** A node's output value: a backend tensor, or a value computed on the host (see `host-eval.ts`). */
export type Value = Tensor | HostTensor;

/**
 * Runs one node's kernel on its input values: the one place an op's `perform` is called (by the
 * executor and by constant folding). Checks the inputs (`op.checkInputs`) and the outputs against
 * the node's static types. An output that is one of the inputs is cloned, so every output is a
 * tensor of its own. Intermediates of `perform` are freed (`tf.tidy`). Outputs the op computed on
 * the host (HostTensor) are returned as they are. The op is computed by the lowering the registry
 * chooses (`lowering/registry.ts`); `ran`, when given, receives its name.
 */
export function runNode(node: Apply, inputs: Tensor[], ctx: PerformContext, ran?: (lowering: string | undefined) => void): Value[] {
  node.op.checkInputs(node.inputs, inputs);
  let res: Value[] = [];
  tf.tidy(() => {
    const lowered = lower(node.op, inputs, ctx, node);
    res = lowered.outputs;
    ran?.(lowered.lowering);
    return res.filter((r): r is Tensor => !(r instanceof HostTensor));
  });
  const outs: Value[] = [];
  try {
    node.outputs.forEach((v, k) => {
      let t = res[k];
      if (t instanceof HostTensor) {
        if (t.dtype !== v.dtype) throw new GraphError(`${node.op.name}: perform returned a ${t.dtype} host value where inferTypes says ${v.dtype}.`);
      } else {
        if (inputs.includes(t)) t = t.clone();
        if (t.dtype !== v.dtype) t = wrongDType(node, v, t);
      }
      outs.push(t);
      if (!fitsStatic(t.shape, v.shape)) {
        throw new ShapeError(`${node.op.name}: computed a value of shape ${formatShape(t.shape)} where the graph expected ${formatShape(v.shape)}; the inputs' run-time sizes do not agree (e.g. operands that must match in size).`);
      }
    });
    return outs;
  } catch (e) {
    for (const t of [...res, ...outs]) if (!(t instanceof HostTensor) && !inputs.includes(t)) t.dispose();
    throw e;
  }
}

/**
 * An op whose `perform` returns another dtype than its `inferTypes` promised is a bug in the op.
 * With `LASAGNE_ASSERT=1` (the test suite sets it) that is an error, so the tests find such ops;
 * otherwise the value is cast to the promised dtype, so a user's program keeps running.
 */
function wrongDType(node: Apply, v: ST, t: Tensor): Tensor {
  if (envVar('LASAGNE_ASSERT') === '1') {
    throw new GraphError(`${node.op.name}: perform returned ${t.dtype} where inferTypes says ${v.dtype} (output ${node.outputs.indexOf(v)} of ${node.op.key()}); the op must return the dtype it declares.`);
  }
  const c = tf.cast(t, v.dtype);
  t.dispose();
  return c;
}

/** What the executor reports after each node, when asked to (profiling, `nanGuard`). */
export interface NodeEvent {
  /** Position of the node in the plan. */
  index: number;
  node: Apply;
  /** Wall time of the node's kernel, read after its outputs were computed (also on asynchronous backends). */
  ms: number;
  outputs: readonly Value[];
  /** Which lowering computed it (`lowering/registry.ts`; 'host' for a node evaluated on the host), where the op has named ones. */
  lowering?: string;
  /** The values of `node.inputs`, host values where there are (still alive: freed after the hook). */
  inputs: readonly Value[];
}
export type ProfileHook = (e: NodeEvent) => void;

/**
 * One call's worth of values: the roots bound by the caller, then every node's outputs as the
 * plan runs, each freed right after its last use. A value may live on the device, on the host,
 * or both: integer values given by the caller, constants, the host copies of shared variables and
 * what `runsOnHost` nodes compute stay on the host, so the indices and shapes ops need there
 * (`hostInputs`) need no device read. A host value a kernel needs is uploaded once.
 *
 * Step by step (`runStep` then `store`), so that the asynchronous driver can await the device
 * reads a node still needs (`readAsync`) between nodes; `execute` runs it all synchronously.
 */
export class Execution {
  private readonly values = new Map<ST, Tensor>();
  private readonly hostValues = new Map<ST, HostTensor>();
  /** Device values made on first use (shared variables kept on the host). */
  private readonly lazy = new Map<ST, () => Tensor>();
  /** Tensors this execution created and must free (inputs it uploaded, nodes' outputs). */
  private readonly owned = new Set<Tensor>();
  /** Index of the next node to run. */
  next = 0;
  /** Device values read back so far to give ops their host inputs (none when those were computed on the host). */
  reads = 0;
  /** The lowering that computed the last node `runStep` ran (see NodeEvent.lowering). */
  lowering: string | undefined;

  constructor(readonly plan: Plan, readonly ctx: { backend: string; profile?: NodeProfiling }) {}

  get done(): boolean {
    return this.next >= this.plan.steps.length;
  }

  /** Binds a root's value; `own` when the execution must free it (e.g. an uploaded input). */
  bind(v: ST, t: Tensor, own: boolean): void {
    this.values.set(v, t);
    if (own) this.owned.add(t);
  }

  /** Binds a root's host value; `device` gives its backend tensor when a kernel needs it (else uploaded then). */
  bindHost(v: ST, h: HostTensor, device?: () => Tensor): void {
    this.hostValues.set(v, h);
    if (device) this.lazy.set(v, device);
  }

  /**
   * The values the next node needs on the host that are only on the device: the inputs its op
   * reads there (`hostInputs`), or all of them when it runs on the host to keep int32 exact.
   */
  pendingReads(): ST[] {
    const node = this.plan.steps[this.next];
    if (this.onHost(node)) return [];
    const needed = needsHostForInt32(node, this.ctx.backend, (i) => this.hostValues.has(node.inputs[i])) ? node.inputs : node.op.hostInputs.map((i) => node.inputs[i]);
    return [...new Set(needed)].filter((v) => !this.hostValues.has(v));
  }

  /** Reads the next node's pending host inputs synchronously (not on webgpu: see `readAsync`). */
  readSync(): void {
    const pending = this.pendingReads();
    if (!pending.length) return;
    if (!readsSynchronously()) {
      const node = this.plan.steps[this.next];
      throw new SyncCallError(`${node.op.name} needs ${pending.map((v) => v.describe()).join(', ')} on the host, computed on the device, and the '${this.ctx.backend}' backend can only read asynchronously; call the compiled function with \`await fn.async(...)\`.`);
    }
    for (const v of pending) this.provideHost(v, HostTensor.fromTensor(this.get(v)));
  }

  /** Reads the next node's pending host inputs without blocking. */
  async readAsync(): Promise<void> {
    for (const v of this.pendingReads()) this.provideHost(v, await HostTensor.fromTensorAsync(this.get(v)));
  }

  private provideHost(v: ST, h: HostTensor): void {
    this.hostValues.set(v, h);
    this.reads++;
  }

  private onHost(node: Apply): boolean {
    return runsOnHost(node, (i) => this.hostValues.has(node.inputs[i]));
  }

  /** Runs the next node (on the host when `runsOnHost`) and returns its outputs (not yet stored: see `store`). */
  runStep(): Value[] {
    const node = this.plan.steps[this.next];
    this.lowering = undefined;
    if (this.onHost(node)) {
      this.lowering = 'host';
      return evalOnHost(node, node.inputs.map((v) => this.hostValues.get(v) ?? this.get(v)));
    }
    this.readSync();
    // A node whose device operands were just read to keep int32 exact now runs on the host.
    if (this.onHost(node)) return evalOnHost(node, node.inputs.map((v) => this.hostValues.get(v)!));
    const host = node.inputs.map((v, i) => (node.op.hostInputs.includes(i) ? this.hostValues.get(v) : undefined));
    const ctx = { ...this.ctx, host, inputsOnHost: node.inputs.map((v) => this.hostValues.get(v)) };
    const inputs = node.inputs.map((v) => this.get(v));
    return runNode(node, inputs, ctx, (l) => (this.lowering = l));
  }

  /** Stores the outputs of the node `runStep` ran, frees the values last used by it, and moves on. */
  store(outputs: Value[]): void {
    const i = this.next++;
    this.plan.steps[i].outputs.forEach((v, k) => {
      const o = outputs[k];
      if (o instanceof HostTensor) this.hostValues.set(v, o);
      else this.bind(v, o, true);
    });
    for (const v of this.plan.freeAfter[i]) {
      const t = this.values.get(v);
      if (t && this.owned.delete(t)) t.dispose();
      this.values.delete(v);
      this.hostValues.delete(v);
      this.lazy.delete(v);
    }
  }

  /** The device value of `v`, uploaded from its host value if it has none yet (valid until the execution is disposed; do not free it). */
  get(v: ST): Tensor {
    const t = this.values.get(v);
    if (t) return t;
    const make = this.lazy.get(v);
    if (make) {
      const d = make();
      this.bind(v, d, false);
      return d;
    }
    const h = this.hostValues.get(v);
    if (!h) throw new GraphError(`executor: no value for ${v.describe()} (not computed yet, or already freed).`);
    const d = tf.tensor(h.data, [...h.shape], h.dtype);
    this.bind(v, d, true);
    return d;
  }

  /** The host value of `v`, when it has one (computed or given on the host, or read already). */
  getHost(v: ST): HostTensor | undefined {
    return this.hostValues.get(v);
  }

  /** The value of `v` as a tensor the caller owns (the execution's own, or a clone of a bound one). */
  take(v: ST): Tensor {
    const t = this.get(v);
    return this.owned.delete(t) ? t : t.clone();
  }

  /** Frees what the execution still owns. */
  dispose(): void {
    for (const t of this.owned) t.dispose();
    this.owned.clear();
    this.values.clear();
    this.hostValues.clear();
    this.lazy.clear();
  }
}

/** Runs the remaining nodes; with a hook, waits for each node's outputs and reports its time. */
export function execute(run: Execution, hook?: ProfileHook): void {
  while (!run.done) {
    if (!hook) {
      run.store(run.runStep());
      continue;
    }
    run.readSync();
    const t0 = performance.now();
    const outputs = run.runStep();
    // Wait for the kernels before reading the clock. wasm and cpu kernels have finished when they
    // return (a read there would only copy the output, up to milliseconds charged to the op).
    if (!hasHostMemory(run.ctx.backend)) outputs.forEach((t) => (t instanceof HostTensor ? undefined : t.dataSync()));
    report(run, hook, outputs, performance.now() - t0);
    run.store(outputs);
  }
}

/** Calls `hook` for the node `run` is at; when the hook throws (e.g. `nanGuard`), the node's outputs are freed first. */
export function report(run: Execution, hook: ProfileHook, outputs: Value[], ms: number): void {
  const node = run.plan.steps[run.next];
  try {
    hook({ index: run.next, node, ms, outputs, lowering: run.lowering, inputs: node.inputs.map((v) => run.getHost(v) ?? run.get(v)) });
  } catch (e) {
    outputs.forEach((t) => (t instanceof HostTensor ? undefined : t.dispose()));
    throw e;
  }
}

/**
 * As `execute`, without blocking: the host inputs a node needs from the device are read with
 * `await` before it runs (on webgpu the only way), and profiling waits for each node the same way.
 */
export async function executeAsync(run: Execution, hook?: ProfileHook): Promise<void> {
  while (!run.done) {
    await run.readAsync();
    const t0 = hook ? performance.now() : 0;
    const outputs = run.runStep();
    if (hook) {
      if (!hasHostMemory(run.ctx.backend)) for (const t of outputs) if (!(t instanceof HostTensor)) await t.data();
      report(run, hook, outputs, performance.now() - t0);
    }
    run.store(outputs);
  }
}
