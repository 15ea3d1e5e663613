import { ensureBackendSync, tfBackendName } from '../backend';
import { checkDType } from '../dtype';
import { DTypeError, GraphError, ShapeError } from '../errors';
import type { Constant } from '../graph/constant';
import { HostTensor, isTfTensor, toTfTensor, type TensorValue } from '../host';
import { fitsStatic, formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import { execute, Execution, type ProfileHook } from './executor';
import type { Program } from './maker';
import { checkBoundValues, nanGuardHook, nanGuardOptions, type NanGuardOptions } from './nan-guard';
import { Profiler, type ProfileData } from './profile';
import type { ST } from '../graph/node';

export type OutputValue = number | HostTensor | Tensor;

export interface CallableOptions {
  /** Where outputs go: host values (default) or backend tensors the caller disposes. */
  outputs?: 'host' | 'device';
  name?: string;
  /** Accumulate wall time per call and per node (read with `profileData()`). */
  profile?: boolean;
  /** Check every node's outputs (and the bound values) for NaN / Inf (Theano's NanGuardMode). */
  nanGuard?: boolean | NanGuardOptions;
}

/**
 * Theano's `Function`: marshals a call's arguments into an `Execution` of the program, runs the
 * executor, and hands back the outputs and installs the updates. It owns the constants it uploads
 * (freed by `dispose`). `start` and `finish` are the two halves around `execute`, so a variant that
 * runs the executor differently (e.g. asynchronously) marshals the same way.
 */
export class FunctionRunner {
  readonly fname: string;
  private readonly constTensors = new Map<Constant, Tensor>();
  /** Times per call and per node, created when profiling is first turned on. */
  private profiler: Profiler | undefined;
  private profilingOn = false;
  private readonly nodeHook: ProfileHook = ({ index, ms }) => this.profiler!.node(index, ms);
  /** `nanGuard`: its checks, and its hook alone and with the profiler's. */
  private readonly guard: Required<NanGuardOptions> | undefined;
  private readonly guardHook: ProfileHook | undefined;
  private readonly bothHooks: ProfileHook | undefined;

  constructor(readonly program: Program, readonly options: CallableOptions) {
    this.fname = options.name ? `compiled function '${options.name}'` : 'compiled function';
    this.profiling = options.profile ?? false;
    this.guard = nanGuardOptions(options.nanGuard);
    if (this.guard) {
      const guardHook = nanGuardHook(this.guard, this.fname, program.plan.steps.length);
      this.guardHook = guardHook;
      this.bothHooks = (e) => {
        this.nodeHook(e);
        guardHook(e);
      };
    }
  }

  /** Whether calls are being profiled; turning it off keeps what was recorded. */
  get profiling(): boolean {
    return this.profilingOn;
  }
  set profiling(on: boolean) {
    if (on) this.profiler ??= new Profiler(this.program.plan.steps);
    this.profilingOn = on;
  }

  /** Called after each node while profiling or with `nanGuard`; undefined otherwise. */
  get hook(): ProfileHook | undefined {
    if (this.guardHook) return this.profilingOn ? this.bothHooks : this.guardHook;
    return this.profilingOn ? this.nodeHook : undefined;
  }

  /** A new execution with the arguments, the shared variables' values and the constants bound. */
  start(args: readonly TensorValue[]): Execution {
    ensureBackendSync();
    const { inputs, plan } = this.program;
    if (args.length !== inputs.length) {
      throw new GraphError(`${this.fname}: expected ${inputs.length} argument(s) (${inputs.map((i) => i.name ?? 'unnamed').join(', ')}), received ${args.length}.`);
    }
    const run = new Execution(plan, { backend: tfBackendName() });
    try {
      inputs.forEach((v, i) => {
        const t = inputTensor(args[i], v, this.fname);
        run.bind(v, t, t !== args[i]);
      });
      for (const s of this.program.shared) run.bind(s, s.getTensor(), false);
      for (const c of this.program.constants) run.bind(c, this.constant(c), false);
      if (this.guard) checkBoundValues([...inputs, ...this.program.shared].map((v) => [v, run.get(v)] as [ST, Tensor]), this.guard, this.fname);
    } catch (e) {
      run.dispose();
      throw e;
    }
    return run;
  }

  /**
   * Reads the outputs, then installs the updates (after checking every new value fits its
   * variable's static shape, so either all updates apply or none). Does not dispose `run`.
   */
  finish(run: Execution): OutputValue | OutputValue[] {
    const { outputs, updateExprs, updateTargets, single } = this.program;
    const results = outputs.map((v): OutputValue => {
      if (this.options.outputs === 'device') return run.take(v);
      const t = run.get(v);
      return t.rank === 0 ? t.dataSync()[0] : HostTensor.fromTensor(t);
    });
    const newValues = updateExprs.map((e) => run.take(e));
    const bad = updateTargets.findIndex((v, i) => !fitsStatic(newValues[i].shape, v.shape));
    if (bad >= 0) {
      const got = formatShape(newValues[bad].shape);
      newValues.forEach((t) => t.dispose());
      if (this.options.outputs === 'device') results.forEach((t) => (t as Tensor).dispose());
      throw new ShapeError(`${this.fname}: the update of ${updateTargets[bad].describe()} computed a value of shape ${got}; no update was applied.`);
    }
    updateTargets.forEach((v, i) => v.setTensor(newValues[i]));
    return single ? results[0] : results;
  }

  /** One synchronous call (timed as a whole when profiling). */
  call(args: readonly TensorValue[]): OutputValue | OutputValue[] {
    const timed = this.profilingOn;
    const t0 = timed ? performance.now() : 0;
    const run = this.start(args);
    try {
      execute(run, this.hook);
      return this.finish(run);
    } finally {
      run.dispose();
      if (timed) this.profiler!.call(performance.now() - t0);
    }
  }

  /** The profile so far (all zero when profiling was never on). */
  profileData(): ProfileData {
    return (this.profiler ?? new Profiler(this.program.plan.steps)).data();
  }

  /** Frees the uploaded constants (uploaded again if the function is called later). */
  dispose(): void {
    for (const t of this.constTensors.values()) t.dispose();
    this.constTensors.clear();
  }

  private constant(c: Constant): Tensor {
    let t = this.constTensors.get(c);
    if (!t) {
      t = tf.keep(tf.tensor(c.value.data, [...c.value.shape], c.dtype));
      this.constTensors.set(c, t);
    }
    return t;
  }
}

/** The backend tensor for one argument, checked against its input variable's dtype and static shape. */
function inputTensor(arg: TensorValue, v: ST, fname: string): Tensor {
  const at = `${fname}, input ${v.name ? `'${v.name}'` : v.toString()}`;
  if (arg === undefined || arg === null) throw new GraphError(`${at}: expected a value of shape ${formatShape(v.shape)} ${v.dtype}, received ${arg}.`);
  const data = arg instanceof HostTensor || (typeof arg === 'object' && !Array.isArray(arg) && !ArrayBuffer.isView(arg) && !isTfTensor(arg) && 'data' in arg) ? arg.data : undefined;
  const srcDType = isTfTensor(arg) ? arg.dtype : arg instanceof Float32Array || data instanceof Float32Array ? 'float32' : undefined;
  if (srcDType === 'float32' && v.dtype !== 'float32') {
    throw new DTypeError(`${at}: expected ${v.dtype} values, received float32; convert them (e.g. Int32Array.from(...)).`);
  }
  if (v.dtype !== 'float32') {
    // Plain JS numbers have no dtype: accept them where converting loses nothing (as Theano does).
    const plain = typeof arg === 'number' || typeof arg === 'boolean' ? [arg] : Array.isArray(arg) ? (arg as unknown[]).flat(Infinity) : data && !ArrayBuffer.isView(data) ? Array.from(data) : [];
    const fits = (x: unknown) => typeof x === 'boolean' || (typeof x === 'number' && (v.dtype === 'bool' ? x === 0 || x === 1 : Number.isInteger(x) && x >= -2147483648 && x <= 2147483647));
    const bad = plain.find((x) => !fits(x));
    if (bad !== undefined) throw new DTypeError(`${at}: expected ${v.dtype} values, received ${String(bad)}, which ${v.dtype} cannot hold exactly; round or cast the values first.`);
  }
  const t = isTfTensor(arg) && arg.dtype === v.dtype ? arg : toTfTensor(arg, checkDType(v.dtype, at), at, v.shape);
  if (!fitsStatic(t.shape, v.shape)) {
    if (t !== arg) t.dispose();
    throw new ShapeError(`${at}: expected shape ${formatShape(v.shape)}, received ${formatShape(t.shape)}.`);
  }
  return t;
}
