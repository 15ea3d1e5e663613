import { z } from 'zod';
import { tf } from '../tf';
import type { InputVariable, ST } from '../graph/node';
import type { HostTensor, TensorValue } from '../host';
import type { Tensor } from '../tf';
import { parseOptions } from '../options';
import { envVar } from '../platform';
import { buildFunctionGraph, type Givens } from './build';
import { FunctionRunner, type OutputValue } from './callable';
import type { CompiledGraph } from './compiled-graph';
import { makeProgram } from './maker';
import type { ProfileData } from './profile';
import type { RewriteName } from './rewrites';
import type { Updates } from './updates';

export type { OutputValue };

export interface CompileOptions {
  /** `[shared, newValue]` pairs (or a Map): computed from the old values, applied after the outputs. */
  updates?: Updates;
  /** Substitutions: any variable replaced by an expression (e.g. a slice of a shared dataset). */
  givens?: Givens;
  /** Do not apply the shared variables' default updates (Theano's no_default_updates). */
  noDefaultUpdates?: boolean;
  /**
   * 'host' (default): outputs come back as numbers (scalars) or HostTensors, nothing to dispose.
   * 'device': outputs stay backend tensors, and the caller must dispose() each one.
   */
  outputs?: 'host' | 'device';
  /** Graph rewrites to run, in order, by their names in `REWRITES` (default `DEFAULT_REWRITES`); false for none. */
  rewrites?: boolean | RewriteName[];
  /** What to do with an input the outputs do not depend on (default 'raise', as Theano). */
  onUnusedInput?: 'raise' | 'ignore';
  name?: string;
  /** Accumulate wall time per op (read with `fn.profile()`); also on with LASAGNE_PROFILE=1. */
  profile?: boolean;
  /**
   * Theano's NanGuardMode: after every op, check its outputs (and, before the first, the
   * arguments and shared values) for NaN and infinite values; the first op producing one stops
   * the call with a `NanGuardError` naming the op and its inputs' shapes. `{nan: false}` or
   * `{inf: false}` checks only the other. Slow (every value is read back): for debugging.
   * Also on with LASAGNE_NAN_GUARD=1.
   */
  nanGuard?: boolean | { nan?: boolean; inf?: boolean };
}

const Schema = z.object({
  updates: z.any().optional(),
  givens: z.any().optional(),
  noDefaultUpdates: z.boolean().optional(),
  outputs: z.enum(['host', 'device']).optional(),
  rewrites: z.union([z.boolean(), z.array(z.string())]).optional(), // names checked against REWRITES by rewrite()
  onUnusedInput: z.enum(['raise', 'ignore']).optional(),
  name: z.string().optional(),
  profile: z.boolean().optional(),
  nanGuard: z.union([z.boolean(), z.object({ nan: z.boolean().optional(), inf: z.boolean().optional() }).strict()]).optional(),
}).strict();

export interface CompiledFunction<R = OutputValue | OutputValue[]> {
  /** A synchronous call (cpu, wasm, tensorflow; on webgpu a SyncCallError: use `async`). */
  (...args: TensorValue[]): R;
  /**
   * The same call, awaited: same arguments and outputs, with no synchronous device read, so it
   * runs on every backend (webgpu included). Calls run in the order they were made.
   */
  async(...args: TensorValue[]): Promise<R>;
  /** Frees the constants the function uploaded. */
  dispose(): void;
  /** The op names of the compiled graph in execution order (to inspect rewrites). */
  readonly ops: readonly string[];
  readonly inputs: readonly ST[];
  /** The rewritten graph the function runs (what `debugprint(fn)` and `toDot(fn)` show). */
  readonly graph: CompiledGraph;
  /**
   * Whether calls are profiled (`{profile: true}` or LASAGNE_PROFILE=1 at compile). Settable: false
   * stops the per-op synchronisation (what was recorded is kept), true starts or resumes it.
   */
  profiling: boolean;
  /** Time per call, per op name and per apply node since compile (all zero unless profiling is on); `formatProfile(fn)` prints it. */
  profile(): ProfileData;
  /**
   * How many values the calls so far read back from the device to give ops their indices, shapes
   * or random state: 0 when those were all computed on the host (mnist.py's networks, the
   * tutorials' `givens` minibatches), so a step waits for the GPU only to read its outputs.
   */
  readonly hostReads: number;
}

/**
 * What a compiled function returns for one output, given its options: a number (for a scalar) or
 * a HostTensor; with `{outputs: 'device'}` a backend tensor the caller disposes; either when the
 * mode is not known statically.
 */
export type OutputOf<O> = O extends { outputs: 'device' }
  ? Tensor
  : O extends { outputs?: 'host' | undefined }
    ? number | HostTensor
    : number | HostTensor | Tensor;
/** The same for a list of outputs: a tuple for a tuple, an array for an array. */
export type OutputsOf<T extends readonly unknown[], O> = { -readonly [K in keyof T]: OutputOf<O> };

/**
 * `theano.function(inputs, outputs, updates=..., givens=...)`: builds the function graph (givens
 * substituted, default updates added, updates as extra outputs; `build.ts`), rewrites it and plans
 * its execution (`maker.ts`), and returns a callable (`callable.ts`) that runs the plan on the
 * executor (`executor.ts`).
 *
 * Typed by the outputs: one output gives `number | HostTensor` (a number exactly when it is a
 * scalar), a tuple `[a, b]` gives a tuple of those, `{outputs: 'device'}` gives `Tensor`s, no
 * outputs (`[]`, null) an empty tuple. A scalar's result narrows with `typeof r === 'number'`
 * (or `Number(r)` when you know it is one).
 */
export function compile<const T extends readonly ST[], O extends CompileOptions = {}>(inputs: readonly ST[], outputs: T, options?: O): CompiledFunction<OutputsOf<T, O>>;
export function compile<O extends CompileOptions = {}>(inputs: readonly ST[], outputs: ST, options?: O): CompiledFunction<OutputOf<O>>;
export function compile<O extends CompileOptions = {}>(inputs: readonly ST[], outputs?: null, options?: O): CompiledFunction<[]>;
export function compile(inputs: readonly ST[], outputs?: ST | readonly ST[] | null, options?: CompileOptions): CompiledFunction<unknown>;
export function compile(inputs: readonly ST[], outputs: ST | readonly ST[] | null | undefined, options: CompileOptions = {}): CompiledFunction<unknown> {
  const o = parseOptions(Schema, options, 'compile') as CompileOptions;
  const fg = buildFunctionGraph(inputs, outputs, o);
  const program = makeProgram(fg, o, tf.getBackend());
  const runner = new FunctionRunner(program, {
    outputs: o.outputs,
    name: o.name,
    profile: o.profile ?? envVar('LASAGNE_PROFILE') === '1',
    nanGuard: o.nanGuard ?? envVar('LASAGNE_NAN_GUARD') === '1',
  });
  const fn = Object.assign((...args: TensorValue[]) => runner.call(args), {
    async: (...args: TensorValue[]) => runner.callAsync(args),
    dispose: () => runner.dispose(),
    ops: program.plan.steps.map((s) => s.op.name),
    inputs: program.inputs as readonly InputVariable[],
    graph: {
      name: o.name,
      inputs: program.inputs,
      outputs: program.outputs,
      updates: program.updateTargets.map((v, i) => [v, program.updateExprs[i]] as const),
      steps: program.plan.steps,
    } satisfies CompiledGraph,
    profile: () => runner.profileData(),
  });
  return Object.defineProperties(fn, {
    profiling: {
      get: () => runner.profiling,
      set: (on: boolean) => (runner.profiling = on === true),
      enumerable: true,
    },
    hostReads: { get: () => runner.hostReads, enumerable: true },
  }) as typeof fn & { profiling: boolean; readonly hostReads: number };
}
