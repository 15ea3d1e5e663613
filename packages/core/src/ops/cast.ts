import { checkDType, isFloat, type DType } from '../dtype';
import { HostTensor, makeTypedArray } from '../host';
import { tf, type Tensor } from '../tf';
import { Constant } from '../graph/constant';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';

/** Cast to a dtype (Theano's `cast`). */
export class Cast extends Op {
  readonly name = 'Cast';
  static override readonly props = ['dtype'] as const;
  constructor(readonly dtype: DType) {
    super();
  }
  override inferTypes(inputs: readonly ST[]): TensorType[] {
    return [{ dtype: this.dtype, shape: inputs[0].shape }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    // To bool: x != 0 (wasm's cast stores e.g. -1.7 as 255 in a bool tensor).
    if (this.dtype === 'bool' && x.dtype !== 'bool') return [tf.notEqual(x, tf.scalar(0, x.dtype))];
    return [tf.cast(x, this.dtype)];
  }
  override grad(inputs: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [isFloat(inputs[0].dtype) && isFloat(this.dtype) ? g : null];
  }
}

export function cast(x: TensorLike, dtype: DType): ST {
  dtype = checkDType(dtype, 'cast');
  const t = asTensor(x);
  if (t.dtype === dtype) return t;
  if (t instanceof Constant) return retypeConstant(t, dtype);
  return new Cast(dtype).make1(t);
}

function retypeConstant(c: Constant, dtype: DType): Constant {
  return new Constant(new HostTensor(makeTypedArray(dtype, c.value.data), c.value.shape, dtype), c.name, c.weak);
}
