import type { Tensor } from '../tf';
import { Apply, type SymbolicTensor, type TensorType } from './node';

/** What a running op may know about where it runs (to lower kernels the backend lacks). */
export interface PerformContext {
  backend: string;
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

  abstract inferTypes(inputs: readonly SymbolicTensor[]): TensorType[];
  abstract perform(inputs: Tensor[], ctx: PerformContext): Tensor[];

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
