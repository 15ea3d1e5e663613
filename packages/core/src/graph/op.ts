import type { HostTensor } from '../host';
import type { Tensor } from '../tf';
import { Apply, type SymbolicTensor, type TensorType } from './node';

/** What a running op may know about where it runs (to lower kernels the backend lacks). */
export interface PerformContext {
  backend: string;
  /**
   * Host values of the inputs the op lists in `hostInputs`, at the inputs' positions (undefined
   * elsewhere). The executor provides them: as computed on the host when they were (shapes,
   * indices, random state), else read from the device before the op runs (asynchronously in
   * `fn.async`), so `perform` itself never waits for the device.
   */
  host: readonly (HostTensor | undefined)[];
  /** The calling function's profiler, while it is profiled: an op that runs a program of its own (Scan) times its nodes there too. */
  profile?: NodeProfiling;
}

/** What an op that runs a program of its own reports its nodes' times to (`compile/profile.ts`' Profiler). */
export interface NodeProfiling {
  /** The profiler of the program `key` (the op) runs, made on first use (a new one when its nodes change). */
  inner(key: object, steps: readonly Apply[]): NodeProfiling & { node(i: number, ms: number, impl?: string): void; call(ms: number): void };
}

/** What `perform` returns per output: a backend tensor, or a value it computed on the host. */
export type PerformOutput = Tensor | HostTensor;

/** The host value of input `i` that an op declared in `hostInputs` (a bug in the caller when absent). */
export function hostInput(ctx: PerformContext, i: number, op: string): HostTensor {
  const h = ctx.host[i];
  if (!h) throw new Error(`${op}: input ${i} was declared in hostInputs but the executor gave no host value for it`);
  return h;
}

/**
 * An operation: infers its outputs' types when applied (so shape and dtype errors surface while
 * the expression is built), computes its outputs with tfjs kernels, and expresses its gradient
 * as more graph (Theano's `L_op`).
 */
export abstract class Op {
  abstract readonly name: string;
  /** Random ops are never merged or constant-folded. */
  readonly stochastic: boolean = false;

  /**
   * The names of the properties that distinguish two instances of the op (PyTensor's
   * `__props__`): `static override readonly props = ['axis', 'keepdims'] as const`. They derive
   * `params()`, `key()` (two nodes whose ops have equal keys and the same inputs are merged) and
   * the op's label in `debugprint`. A property the op has but does not list must follow from the
   * listed ones or from the inputs (DimShuffle's input rank); the op's `name` is part of the key
   * too. Subclasses inherit the list.
   */
  static readonly props: readonly string[] = [];

  /** The declared properties' names (the class's `props`). */
  get propNames(): readonly string[] {
    return (this.constructor as typeof Op).props;
  }

  /**
   * The values of the declared properties: null for none, the bare value for one, a tuple for
   * several (what `key()` serialises and labels print).
   */
  params(): unknown {
    const names = this.propNames;
    const values = names.map((p) => {
      if (!(p in this)) throw new Error(`${this.name}: declares the property '${p}' in props, but has no such property (a typo in ${this.constructor.name}.props?).`);
      return (this as unknown as Record<string, unknown>)[p];
    });
    return values.length === 0 ? null : values.length === 1 ? values[0] : values;
  }
  /** Equal for two instances that compute the same function of their inputs: the name and the parameters. */
  key(): string {
    return `${this.name}${JSON.stringify(this.params())}`;
  }

  /**
   * Inputs whose values `perform` needs on the host (indices, shapes, random state), by
   * position; they arrive in `ctx.host`. Every other input is only used through tfjs kernels.
   */
  readonly hostInputs: readonly number[] = [];
  /**
   * The outputs depend on the inputs' shapes only, never their values (`x.shape`): the executor
   * may compute them on the host from a device value without reading it.
   */
  readonly shapeOnly: boolean = false;

  abstract inferTypes(inputs: readonly SymbolicTensor[]): TensorType[];
  /**
   * Computes the outputs with tfjs kernels (or on the host for the values it was given there:
   * a HostTensor output stays on the host until a kernel needs it).
   */
  abstract perform(inputs: Tensor[], ctx: PerformContext): PerformOutput[];

  /**
   * Checks the run-time values against the inputs' static types before `perform` (for rules the
   * kernels would not enforce); throws a ShapeError. The default checks nothing.
   */
  checkInputs(inputs: readonly SymbolicTensor[], values: readonly Tensor[]): void {
    void inputs;
    void values;
  }

  /**
   * Gradients of the inputs given the gradients of the outputs (null where an output has no
   * gradient). Returns null for an input that receives no gradient (integer inputs, indices).
   * The default says the op is not differentiable.
   */
  grad(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], gOutputs: readonly (SymbolicTensor | null)[]): (SymbolicTensor | null)[] {
    void inputs;
    void outputs;
    void gOutputs;
    throw new NotDifferentiable(this.name);
  }

  /** Applies the op, returning every output. */
  make(inputs: readonly SymbolicTensor[]): SymbolicTensor[] {
    return new Apply(this, inputs, this.inferTypes(inputs)).outputs;
  }
  /** Applies a single-output op. */
  make1(...inputs: SymbolicTensor[]): SymbolicTensor {
    return this.make(inputs)[0];
  }
}

export class NotDifferentiable extends Error {
  constructor(public readonly opName: string) {
    super(`${opName} has no gradient`);
  }
}
