import { ensureBackend, ensureBackendSync, tfBackendName } from '../backend';
import { takeDeviceError } from '../backend/device-errors';
import { checkDType } from '../dtype';
import { BackendError, DTypeError, GraphError, ShapeError } from '../errors';
import type { Constant } from '../graph/constant';
import { HostTensor, isTfTensor, makeTypedArray, toHost, toTfTensor, type TensorValue } from '../host';
import { fitsStatic, formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import { execute, executeAsync, Execution, type ProfileHook, type Value } from './executor';
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
  /** Device values read back so far to give ops their host inputs (see `Execution.reads`). */
  hostReads = 0;
  private readonly nodeHook: ProfileHook = ({ index, ms, lowering }) => this.profiler!.node(index, ms, lowering);
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

  /**
   * A new execution with the arguments, the shared variables' values and the constants bound.
   * Integer arguments, constants and the shared variables' host copies are bound as host values
   * (uploaded only when a kernel needs them). `sync`: a synchronous call, refused on a backend
   * that can only read asynchronously unless the outputs stay on the device.
   */
  start(args: readonly TensorValue[], sync = true): Execution {
    if (sync) ensureBackendSync(this.fname, this.options.outputs === 'device');
    const { inputs, plan } = this.program;
    if (args.length !== inputs.length) {
      throw new GraphError(`${this.fname}: expected ${inputs.length} argument(s) (${inputs.map((i) => i.name ?? 'unnamed').join(', ')}), received ${args.length}.`);
    }
    const run = new Execution(plan, { backend: tfBackendName(), profile: this.profilingOn ? this.profiler : undefined });
    try {
      inputs.forEach((v, i) => {
        const value = inputValue(args[i], v, this.fname);
        if (value instanceof HostTensor) run.bindHost(v, value);
        else run.bind(v, value, value !== args[i]);
      });
      for (const s of this.program.shared) {
        const h = s.getHost();
        if (h) run.bindHost(s, h, () => s.getTensor());
        else run.bind(s, s.getTensor(), false);
      }
      for (const c of this.program.constants) run.bindHost(c, c.value, () => this.constant(c));
      if (this.guard && sync) checkBoundValues(this.boundValues(run), this.guard, this.fname);
    } catch (e) {
      run.dispose();
      throw e;
    }
    return run;
  }

  /** `nanGuard`: the arguments and shared values a call binds (host values where there are). */
  private boundValues(run: Execution): [ST, Value][] {
    return [...this.program.inputs, ...this.program.shared].map((v) => [v, run.getHost(v) ?? run.get(v)]);
  }

  /**
   * Hands back the outputs, then installs the updates (after checking every new value fits its
   * variable's static shape, so either all updates apply or none). Does not dispose `run`.
   * Outputs computed on the host need no read; `read` gives the others' host values.
   */
  finish(run: Execution, read: (v: ST) => HostTensor = (v) => HostTensor.fromTensor(run.get(v))): OutputValue | OutputValue[] {
    const { outputs, updateExprs, updateTargets, single } = this.program;
    const results = outputs.map((v): OutputValue => {
      if (this.options.outputs === 'device') return run.take(v);
      const h = run.getHost(v);
      const out = h ? new HostTensor(h.data.slice(), h.shape, h.dtype) : read(v);
      return out.ndim === 0 ? out.data[0] : out;
    });
    const newValues = updateExprs.map((e): Tensor | HostTensor => {
      const h = run.getHost(e);
      return h ? new HostTensor(h.data.slice(), h.shape, h.dtype) : run.take(e);
    });
    const bad = updateTargets.findIndex((v, i) => !fitsStatic(newValues[i].shape, v.shape));
    if (bad >= 0) {
      const got = formatShape(newValues[bad].shape);
      newValues.forEach((t) => (t instanceof HostTensor ? undefined : t.dispose()));
      if (this.options.outputs === 'device') results.forEach((t) => (t as Tensor).dispose());
      throw new ShapeError(`${this.fname}: the update of ${updateTargets[bad].describe()} computed a value of shape ${got}; no update was applied.`);
    }
    updateTargets.forEach((v, i) => {
      const n = newValues[i];
      if (n instanceof HostTensor) v.setHost(n);
      else v.setTensor(n);
    });
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
      this.hostReads += run.reads;
      run.dispose();
      if (timed) this.profiler!.call(performance.now() - t0);
    }
  }

  /**
   * One asynchronous call (`fn.async`): the same values as `call`, with every device read
   * awaited, so it works on every backend. Calls run one after another, in the order they were
   * made (an update is applied before the next call reads the variable).
   */
  callAsync(args: readonly TensorValue[]): Promise<OutputValue | OutputValue[]> {
    const result = queue.then(async () => {
      await ensureBackend();
      const timed = this.profilingOn;
      const t0 = timed ? performance.now() : 0;
      const run = this.start(args, false);
      try {
        if (this.guard) {
          // The bound device values are read without blocking first (tfjs keeps the copy it read).
          const bound = this.boundValues(run);
          await Promise.all(bound.map(([, t]) => (t instanceof HostTensor ? undefined : t.data())));
          checkBoundValues(bound, this.guard, this.fname);
        }
        await executeAsync(run, this.hook);
        const read = new Map<ST, HostTensor>();
        if (this.options.outputs !== 'device') {
          for (const v of this.program.outputs) if (!run.getHost(v) && !read.has(v)) read.set(v, await HostTensor.fromTensorAsync(run.get(v)));
        } else {
          await Promise.all(this.program.outputs.map((v) => run.get(v).data())); // device errors surface before returning
        }
        const error = takeDeviceError();
        if (error) throw new BackendError(`${this.fname}: the GPU device reported an error, so the results cannot be trusted: ${error.split('\n')[0]}`);
        const out = this.finish(run, (v) => read.get(v)!);
        if (timed) this.profiler!.call(performance.now() - t0);
        return out;
      } finally {
        this.hostReads += run.reads;
        run.dispose();
      }
    });
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
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

/**
 * One argument, checked against its input variable's dtype and static shape: a backend tensor
 * (owned by the caller when it is the argument itself), or for integer and boolean inputs given as
 * host data, a host value (indices and labels: ops that need them on the host need no read).
 */
function inputValue(arg: TensorValue, v: ST, fname: string): Tensor | HostTensor {
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
  const dtype = checkDType(v.dtype, at);
  if (!isTfTensor(arg) && dtype !== 'float32') {
    const h = toHost(arg, dtype, at, v.shape);
    const size = h.shape.reduce((a, b) => a * b, 1);
    if (h.data.length !== size) throw new ShapeError(`${at}: ${h.data.length} values cannot fill shape ${formatShape(h.shape)} (${size} elements).`);
    if (!fitsStatic(h.shape, v.shape)) throw new ShapeError(`${at}: expected shape ${formatShape(v.shape)}, received ${formatShape(h.shape)}.`);
    const typed = makeTypedArray(dtype, h.data);
    return new HostTensor(typed === h.data ? typed.slice() : typed, h.shape, dtype);
  }
  const t = isTfTensor(arg) && arg.dtype === v.dtype ? arg : toTfTensor(arg, dtype, at, v.shape);
  if (!fitsStatic(t.shape, v.shape)) {
    if (t !== arg) t.dispose();
    throw new ShapeError(`${at}: expected shape ${formatShape(v.shape)}, received ${formatShape(t.shape)}.`);
  }
  return t;
}

/** The chain `fn.async` calls run on, one after another. */
let queue: Promise<unknown> = Promise.resolve();
