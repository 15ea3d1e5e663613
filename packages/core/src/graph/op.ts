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
  /** The calling function is being profiled: an op that runs a program of its own (Scan) times its nodes too. */
  profile?: boolean;
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

  /** The parameters that distinguish two instances of the op (used to merge identical nodes). */
  params(): unknown {
    return null;
  }
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
