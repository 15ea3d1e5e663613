import { z } from 'zod';
import { ensureBackendSync, tfBackendName } from '../backend';
import { checkDType } from '../dtype';
import { DTypeError, GraphError, ShapeError } from '../errors';
import { Constant } from '../graph/constant';
import { asTensor, type TensorLike } from '../graph/lift';
import { InputVariable, SymbolicTensor } from '../graph/node';
import { SharedVariable } from '../graph/shared';
import { roots } from '../graph/traverse';
import { HostTensor, isTfTensor, toTfTensor, type TensorValue } from '../host';
import { parseOptions } from '../options';
import { formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import { makePlan } from './plan';
import { DEFAULT_REWRITES, rewrite, type RewriteName } from './rewrites';
import { transform } from './transform';
import { normalizeUpdates, withDefaultUpdates, type Updates } from './updates';

type ST = SymbolicTensor;

export interface CompileOptions {
  /** `[shared, newValue]` pairs (or a Map): computed from the old values, applied after the outputs. */
  updates?: Updates;
  /** Substitutions: any variable replaced by an expression (e.g. a slice of a shared dataset). */
  givens?: Map<ST, TensorLike> | Iterable<readonly [ST, TensorLike]>;
  /** Do not apply the shared variables' default updates (Theano's no_default_updates). */
  noDefaultUpdates?: boolean;
  /**
   * 'host' (default): outputs come back as numbers (scalars) or HostTensors, nothing to dispose.
   * 'device': outputs stay backend tensors, and the caller must dispose() each one.
   */
  outputs?: 'host' | 'device';
  /** Graph rewrites to run (default all); false for none. */
  rewrites?: boolean | RewriteName[];
  /** What to do with an input the outputs do not depend on (default 'raise', as Theano). */
  onUnusedInput?: 'raise' | 'ignore';
  name?: string;
  /** Accumulate wall time per op (read with `fn.profile()`); also on with LASAGNE_PROFILE=1. */
  profile?: boolean;
}

const Schema = z.object({
  updates: z.any().optional(),
  givens: z.any().optional(),
  noDefaultUpdates: z.boolean().optional(),
  outputs: z.enum(['host', 'device']).optional(),
  rewrites: z.union([z.boolean(), z.array(z.enum(['merge', 'constantFold', 'stabilize', 'transposeCancel', 'fuseConv']))]).optional(),
  onUnusedInput: z.enum(['raise', 'ignore']).optional(),
  name: z.string().optional(),
  profile: z.boolean().optional(),
}).strict();

export type OutputValue = number | HostTensor | Tensor;

export interface CompiledFunction<R = OutputValue | OutputValue[]> {
  (...args: TensorValue[]): R;
  /** Frees the constants the function uploaded. */
  dispose(): void;
  /** The op names of the compiled graph in execution order (to inspect rewrites). */
  readonly ops: readonly string[];
  readonly inputs: readonly ST[];
  /** Milliseconds and calls per op name since compile (empty unless profiling is on). */
  profile(): Record<string, { ms: number; calls: number }>;
}

/**
 * `theano.function(inputs, outputs, updates=..., givens=...)`: clones the graph with givens
 * substituted, adds default updates, rewrites it, plans memory and returns a callable.
 */
export function compile(inputs: readonly ST[], outputs: ST | readonly ST[] | null | undefined, options: CompileOptions = {}): CompiledFunction<any> {
  const o = parseOptions(Schema, options, 'compile') as CompileOptions;
  const fname = o.name ? `compiled function '${o.name}'` : 'compiled function';
  inputs.forEach((v, i) => {
    if (!(v instanceof InputVariable)) {
      const what = v instanceof SharedVariable ? 'a shared variable (they are implicit inputs)' : v instanceof SymbolicTensor ? 'not a symbolic input' : String(v);
      throw new GraphError(`compile: input ${i} (${v instanceof SymbolicTensor ? v.describe() : v}) is ${what}; pass variables made by tensor4(), ivector(), ... .`);
    }
  });
  if (new Set(inputs).size !== inputs.length) throw new GraphError('compile: an input is listed twice.');
  const single = outputs instanceof SymbolicTensor;
  const outs = outputs == null ? [] : single ? [outputs as ST] : [...(outputs as ST[])].map(asTensor);
  let updates = normalizeUpdates(o.updates);

  const givens = new Map<ST, ST>();
  for (const [k, v] of o.givens ?? []) {
    const val = asTensor(v);
    if (val.dtype !== k.dtype || val.ndim !== k.ndim) {
      throw new DTypeError(`compile: givens replaces ${k.describe()} by ${val.describe()}; dtype and rank must match.`);
    }
    givens.set(k, val);
  }
  let exprs = transform([...outs, ...updates.map(([, e]) => e)], () => null, givens);
  if (!o.noDefaultUpdates) {
    // Default updates of the shared variables the graph uses once givens are substituted (as
    // Theano): a variable brought in by a given (e.g. a random draw) is advanced too, and one that
    // givens replaced is not.
    const all = withDefaultUpdates(exprs.slice(0, outs.length), updates.map(([v], i) => [v, exprs[outs.length + i]]));
    const added = all.slice(updates.length);
    if (added.length) {
      exprs = [...exprs, ...transform(added.map(([, e]) => e), () => null, givens)];
      updates = [...updates, ...added];
    }
  }
  const passes: readonly RewriteName[] = o.rewrites === false ? [] : o.rewrites === true || o.rewrites === undefined ? DEFAULT_REWRITES : o.rewrites;
  const final = rewrite(exprs, passes, tf.getBackend());

  const used = new Set(roots(final));
  const missing = [...used].filter((r) => r instanceof InputVariable && !inputs.includes(r));
  if (missing.length) {
    throw new GraphError(`compile: the outputs depend on ${missing.map((m) => m.describe()).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not among the inputs; add ${missing.length > 1 ? 'them' : 'it'} to the inputs or replace ${missing.length > 1 ? 'them' : 'it'} through givens.`);
  }
  if ((o.onUnusedInput ?? 'raise') === 'raise') {
    const unused = inputs.filter((v) => !used.has(v) && !givens.has(v));
    if (unused.length) throw new GraphError(`compile: ${unused.map((u) => u.describe()).join(', ')} is not used to compute the outputs; remove it from the inputs or pass {onUnusedInput: 'ignore'}.`);
  }

  const plan = makePlan(final);
  const nOut = outs.length;
  const finalOuts = final.slice(0, nOut);
  const updateTargets = updates.map(([v]) => v);
  const updateExprs = final.slice(nOut);
  const constants = [...used].filter((r): r is Constant => r instanceof Constant);
  const sharedRoots = [...used].filter((r): r is SharedVariable => r instanceof SharedVariable);
  const constTensors = new Map<Constant, Tensor>();
  const profiling = o.profile ?? process.env.LASAGNE_PROFILE === '1';
  const prof: Record<string, { ms: number; calls: number }> = {};

  const call = (...args: TensorValue[]) => {
    ensureBackendSync();
    const ctx = { backend: tfBackendName() };
    if (args.length !== inputs.length) {
      throw new GraphError(`${fname}: expected ${inputs.length} argument(s) (${inputs.map((i) => i.name ?? 'unnamed').join(', ')}), received ${args.length}.`);
    }
    const values = new Map<ST, Tensor>();
    const owned = new Set<Tensor>();
    try {
      inputs.forEach((v, i) => {
        const t = inputTensor(args[i], v, fname);
        values.set(v, t);
        if (t !== args[i]) owned.add(t);
      });
      for (const s of sharedRoots) values.set(s, s.getTensor());
      for (const c of constants) {
        if (!constTensors.has(c)) constTensors.set(c, tf.keep(tf.tensor(c.value.data, [...c.value.shape], c.dtype)));
        values.set(c, constTensors.get(c)!);
      }
      plan.steps.forEach((ap, i) => {
        const ins = ap.inputs.map((v) => values.get(v)!);
        ap.op.checkInputs(ap.inputs, ins);
        const t0 = profiling ? performance.now() : 0;
        const host = ap.inputs.map((_, k) => (ap.op.hostInputs.includes(k) ? HostTensor.fromTensor(ins[k]) : undefined));
        const res = tf.tidy(() => ap.op.perform(ins, { ...ctx, host }).map((r) => (r instanceof HostTensor ? tf.tensor(r.data, [...r.shape], r.dtype) : r)));
        if (profiling) {
          res.forEach((r) => r.dataSync()); // wait for asynchronous backends before reading the clock
          const key = ap.op.name;
          const e = (prof[key] ??= { ms: 0, calls: 0 });
          e.ms += performance.now() - t0;
          e.calls++;
        }
        ap.outputs.forEach((ov, k) => {
          let t = res[k];
          if (ins.includes(t)) t = t.clone();
          if (t.dtype !== ov.dtype) {
            const c = tf.cast(t, ov.dtype);
            t.dispose();
            t = c;
          }
          checkRuntime(ov, t, ap.op.name);
          values.set(ov, t);
          owned.add(t);
        });
        for (const v of plan.freeAfter[i]) {
          const t = values.get(v);
          if (t && owned.has(t)) {
            t.dispose();
            owned.delete(t);
          }
          values.delete(v);
        }
      });
      const take = (t: Tensor): Tensor => {
        if (owned.has(t)) {
          owned.delete(t);
          return t;
        }
        return t.clone();
      };
      const results = finalOuts.map((v) => {
        const t = values.get(v)!;
        if (o.outputs === 'device') return take(t);
        return t.rank === 0 ? t.dataSync()[0] : HostTensor.fromTensor(t);
      });
      const newValues = updateExprs.map((e) => take(values.get(e)!));
      // A new value must fit its variable's static shape (checked before any update is applied).
      const bad = updateTargets.findIndex((v, i) => newValues[i].rank !== v.ndim || v.shape.some((d, k) => d !== null && d !== newValues[i].shape[k]));
      if (bad >= 0) {
        const got = formatShape(newValues[bad].shape);
        newValues.forEach((t) => t.dispose());
        throw new ShapeError(`${fname}: the update of ${updateTargets[bad].describe()} computed a value of shape ${got}; no update was applied.`);
      }
      updateTargets.forEach((v, i) => v.setTensor(newValues[i]));
      return single ? results[0] : results;
    } finally {
      for (const t of owned) t.dispose();
    }
  };
  return Object.assign(call, {
    dispose: () => {
      for (const t of constTensors.values()) t.dispose();
      constTensors.clear();
    },
    ops: plan.steps.map((s) => s.op.name),
    inputs,
    profile: () => prof,
  });
}

function inputTensor(arg: TensorValue, v: ST, fname: string): Tensor {
  const where = `${fname}, input ${v.name ? `'${v.name}'` : v.toString()}`;
  if (arg === undefined || arg === null) throw new GraphError(`${where}: expected a value of shape ${formatShape(v.shape)} ${v.dtype}, received ${arg}.`);
  const data = arg instanceof HostTensor || (typeof arg === 'object' && !Array.isArray(arg) && !ArrayBuffer.isView(arg) && !isTfTensor(arg) && 'data' in arg) ? arg.data : undefined;
  const srcDType = isTfTensor(arg) ? arg.dtype : arg instanceof Float32Array || data instanceof Float32Array ? 'float32' : undefined;
  if (srcDType === 'float32' && v.dtype !== 'float32') {
    throw new DTypeError(`${where}: expected ${v.dtype} values, received float32; convert them (e.g. Int32Array.from(...)).`);
  }
  if (v.dtype !== 'float32') {
    // Plain JS numbers have no dtype: accept them where converting loses nothing (as Theano does).
    const plain = typeof arg === 'number' || typeof arg === 'boolean' ? [arg] : Array.isArray(arg) ? (arg as unknown[]).flat(Infinity) : data && !ArrayBuffer.isView(data) ? Array.from(data) : [];
    const fits = (x: unknown) => typeof x === 'boolean' || (typeof x === 'number' && (v.dtype === 'bool' ? x === 0 || x === 1 : Number.isInteger(x) && x >= -2147483648 && x <= 2147483647));
    const bad = plain.find((x) => !fits(x));
    if (bad !== undefined) throw new DTypeError(`${where}: expected ${v.dtype} values, received ${String(bad)}, which ${v.dtype} cannot hold exactly; round or cast the values first.`);
  }
  const t = isTfTensor(arg) && arg.dtype === v.dtype ? arg : toTfTensor(arg, checkDType(v.dtype, where), where, v.shape);
  const ok = t.rank === v.ndim && v.shape.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    if (t !== arg) t.dispose();
    throw new ShapeError(`${where}: expected shape ${formatShape(v.shape)}, received ${formatShape(t.shape)}.`);
  }
  return t;
}

function checkRuntime(v: ST, t: Tensor, op: string): void {
  const ok = t.rank === v.ndim && v.shape.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    throw new ShapeError(`${op}: computed a value of shape ${formatShape(t.shape)} where the graph expected ${formatShape(v.shape)}; the inputs' run-time sizes do not agree (e.g. operands that must match in size).`);
  }
}
