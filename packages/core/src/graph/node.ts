import type { DType } from '../dtype';
import { formatShape, type Shape } from '../shape';
import type { Op } from './op';

/** The static type of a symbolic value: dtype and shape (null for sizes known only at run time). */
export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

let nextId = 1;

/**
 * A symbolic tensor (Theano's Variable): a node of the expression graph. It is either a root
 * (an input, a constant, a shared variable) or the output `index` of an Apply node `owner`.
 * Operations are available as functions (`add(x, y)`) and as methods (`x.add(y)`).
 */
/** Shorthand for `SymbolicTensor` in signatures (`(x: ST, y: ST) => ST`). */
export type ST = SymbolicTensor;

export class SymbolicTensor {
  readonly id = nextId++;
  readonly dtype: DType;
  /** The static shape: known sizes as numbers, unknown ones as null. */
  readonly shape: Shape;
  constructor(
    type: TensorType,
    public name: string | undefined = undefined,
    public readonly owner: Apply | null = null,
    public readonly index = 0,
  ) {
    this.dtype = type.dtype;
    this.shape = Object.freeze([...type.shape]);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get type(): TensorType {
    return { dtype: this.dtype, shape: this.shape };
  }
  /** A short description for error messages, e.g. `tensor4 'inputs' (None, 1, 28, 28) float32`. */
  describe(): string {
    const what = this.owner ? `output of ${this.owner.op.name}` : this.kind();
    return `${what}${this.name ? ` '${this.name}'` : ''} ${formatShape(this.shape)} ${this.dtype}`;
  }
  protected kind(): string {
    return 'input';
  }
  toString(): string {
    return this.name ?? (this.owner ? `${this.owner.op.name}.${this.index}#${this.id}` : `var#${this.id}`);
  }
}

/** An application of an op to inputs, producing outputs (Theano's Apply). */
export class Apply {
  readonly outputs: SymbolicTensor[];
  constructor(
    public readonly op: Op,
    public readonly inputs: readonly SymbolicTensor[],
    outputTypes: readonly TensorType[],
  ) {
    this.outputs = outputTypes.map((t, i) => new SymbolicTensor(t, undefined, this, i));
  }
}

/** A symbolic input (Theano's TensorVariable without owner): fed when a compiled function is called. */
export class InputVariable extends SymbolicTensor {}
