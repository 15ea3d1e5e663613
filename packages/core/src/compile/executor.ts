import { GraphError, ShapeError } from '../errors';
import type { Apply, ST } from '../graph/node';
import type { PerformContext } from '../graph/op';
import { fitsStatic, formatShape } from '../shape';
import { envVar } from '../platform';
import { tf, type Tensor } from '../tf';
import type { Plan } from './plan';

/**
 * Runs one node's kernel on its input values: the one place an op's `perform` is called (by the
 * executor and by constant folding). Checks the inputs (`op.checkInputs`) and the outputs against
 * the node's static types. An output that is one of the inputs is cloned, so every output is a
 * tensor of its own. Intermediates of `perform` are freed (`tf.tidy`).
 */
export function runNode(node: Apply, inputs: Tensor[], ctx: PerformContext): Tensor[] {
  node.op.checkInputs(node.inputs, inputs);
  const res = tf.tidy(() => node.op.perform(inputs, ctx));
  const outs: Tensor[] = [];
  try {
    node.outputs.forEach((v, k) => {
      let t = res[k];
      if (inputs.includes(t)) t = t.clone();
      if (t.dtype !== v.dtype) t = wrongDType(node, v, t);
      outs.push(t);
      if (!fitsStatic(t.shape, v.shape)) {
        throw new ShapeError(`${node.op.name}: computed a value of shape ${formatShape(t.shape)} where the graph expected ${formatShape(v.shape)}; the inputs' run-time sizes do not agree (e.g. operands that must match in size).`);
      }
    });
    return outs;
  } catch (e) {
    for (const t of [...res, ...outs]) if (!inputs.includes(t)) t.dispose();
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
  outputs: readonly Tensor[];
  /** The values of `node.inputs` (still alive: freed after the hook). */
  inputs: readonly Tensor[];
}
export type ProfileHook = (e: NodeEvent) => void;

/**
 * One call's worth of values: the roots bound by the caller, then every node's outputs as the
 * plan runs, each freed right after its last use. Step by step (`runStep` then `store`), so an
 * asynchronous variant can await between nodes; `execute` runs it all synchronously.
 */
export class Execution {
  private readonly values = new Map<ST, Tensor>();
  /** Tensors this execution created and must free (inputs it uploaded, nodes' outputs). */
  private readonly owned = new Set<Tensor>();
  /** Index of the next node to run. */
  next = 0;

  constructor(readonly plan: Plan, readonly ctx: PerformContext) {}

  get done(): boolean {
    return this.next >= this.plan.steps.length;
  }

  /** Binds a root's value; `own` when the execution must free it (e.g. an uploaded input). */
  bind(v: ST, t: Tensor, own: boolean): void {
    this.values.set(v, t);
    if (own) this.owned.add(t);
  }

  /** Runs the next node's kernel and returns its outputs (not yet stored: see `store`). */
  runStep(): Tensor[] {
    const node = this.plan.steps[this.next];
    return runNode(node, node.inputs.map((v) => this.values.get(v)!), this.ctx);
  }

  /** Stores the outputs of the node `runStep` ran, frees the values last used by it, and moves on. */
  store(outputs: Tensor[]): void {
    const i = this.next++;
    this.plan.steps[i].outputs.forEach((v, k) => this.bind(v, outputs[k], true));
    for (const v of this.plan.freeAfter[i]) {
      const t = this.values.get(v);
      if (t && this.owned.delete(t)) t.dispose();
      this.values.delete(v);
    }
  }

  /** The value of `v` (valid until the execution is disposed; do not free it). */
  get(v: ST): Tensor {
    const t = this.values.get(v);
    if (!t) throw new GraphError(`executor: no value for ${v.describe()} (not computed yet, or already freed).`);
    return t;
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
  }
}

/** Runs the remaining nodes; with a hook, waits for each node's outputs and reports its time. */
export function execute(run: Execution, hook?: ProfileHook): void {
  while (!run.done) {
    if (!hook) {
      run.store(run.runStep());
      continue;
    }
    const t0 = performance.now();
    const outputs = run.runStep();
    outputs.forEach((t) => t.dataSync()); // wait for asynchronous backends before reading the clock
    report(run, hook, outputs, performance.now() - t0);
    run.store(outputs);
  }
}

/** Calls `hook` for the node `run` is at; when the hook throws (e.g. `nanGuard`), the node's outputs are freed first. */
export function report(run: Execution, hook: ProfileHook, outputs: Tensor[], ms: number): void {
  const node = run.plan.steps[run.next];
  try {
    hook({ index: run.next, node, ms, outputs, inputs: node.inputs.map((v) => run.get(v)) });
  } catch (e) {
    outputs.forEach((t) => t.dispose());
    throw e;
  }
}
