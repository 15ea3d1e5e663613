import { hostInput, Op, ShapeError, type PerformContext, type SymbolicTensor, type Tensor, type TensorType } from '@lasagne-ts/core';

/**
 * Passes int class indices through unchanged, checking at run time that each is a class:
 * `0 <= t < nClasses` (`nClasses` null: only `t >= 0`, the upper bound is then left to the
 * indexing). NumPy-style indexing would read a label of -1 as the last class; Theano's
 * `crossentropy_categorical_1hot` and PyTorch's `nll_loss` refuse it, and so does this.
 */
export class ClassIndexCheck extends Op {
  readonly name = 'ClassIndexCheck';
  static override readonly props = ['loss', 'nClasses'] as const;
  constructor(readonly loss: string, readonly nClasses: number | null) {
    super();
  }
  override inferTypes([t]: readonly SymbolicTensor[]): TensorType[] {
    return [{ dtype: t.dtype, shape: [...t.shape] }];
  }
  /** The indices are checked on the host (no device read: they usually are host values already). */
  override readonly hostInputs = [0];
  override perform([t]: Tensor[], ctx: PerformContext): Tensor[] {
    const v = hostInput(ctx, 0, this.name).data;
    const n = this.nClasses;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < 0 || (n !== null && v[i] >= n)) {
        throw new ShapeError(`${this.loss}: target ${v[i]} (item ${i}) is not a class index${n !== null ? ` in [0, ${n})` : ' (negative)'}; class-index targets must be 0 ... number of classes - 1.`);
      }
    }
    return [t.clone()];
  }
  override grad(): (SymbolicTensor | null)[] {
    return [null];
  }
}

/** `targets` checked to be class indices of `predictions`' last axis. */
export function checkedClassIndices(loss: string, targets: SymbolicTensor, predictions: SymbolicTensor): SymbolicTensor {
  return new ClassIndexCheck(loss, predictions.shape[predictions.ndim - 1] ?? null).make1(targets);
}
