import { checkDType, type DType } from '../dtype';
import { HostTensor, makeTypedArray, toHost, type TensorValue, type TypedArray } from '../host';
import { SymbolicTensor } from './node';

/**
 * A constant in the graph. Its value lives on the host; a compiled function uploads it once.
 * `weak` constants come from plain JS numbers and take the dtype of the tensor they meet
 * (so `x.mul(2)` stays float32 and `i.add(1)` stays int32), like NumPy's Python scalars.
 */
export class Constant extends SymbolicTensor {
  readonly value: HostTensor;
  constructor(value: HostTensor, name?: string, readonly weak = false) {
    super({ dtype: value.dtype, shape: value.shape }, name);
    this.value = value;
  }
  protected override kind(): string {
    return 'constant';
  }
  /** The single value of a size-1 constant. */
  scalarValue(): number | undefined {
    return this.value.size === 1 ? this.value.data[0] : undefined;
  }
}

export function constant(value: TensorValue, options: { dtype?: DType; name?: string } = {}): Constant {
  if (options.dtype !== undefined) checkDType(options.dtype, 'constant');
  const h = toHost(value, options.dtype, 'constant');
  const dtype = options.dtype ?? h.dtype;
  const data: TypedArray = makeTypedArray(dtype, h.data);
  return new Constant(new HostTensor(data === h.data ? data.slice() : data, h.shape, dtype), options.name);
}

/** A weak scalar constant from a JS number (its dtype adapts to the other operand). */
export function weakScalar(v: number): Constant {
  const dtype: DType = Number.isInteger(v) ? 'int32' : 'float32';
  return new Constant(new HostTensor(makeTypedArray(dtype, [v]), [], dtype), undefined, true);
}
