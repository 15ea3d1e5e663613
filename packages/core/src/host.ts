import type { DType } from './dtype';
import { DTypeError, ShapeError } from './errors';
import { formatShape, type Shape } from './shape';
import { tf, type Tensor } from './tf';

export type TypedArray = Float32Array | Int32Array | Uint8Array;
export type NestedArray = number | boolean | readonly NestedArray[];

/**
 * A value on the host: a typed array in row-major order with its shape. Compiled functions return
 * these (or plain numbers for scalars); they are plain data, nothing to dispose.
 */
export class HostTensor {
  constructor(
    public readonly data: TypedArray,
    public readonly shape: readonly number[],
    public readonly dtype: DType,
  ) {}
  get size(): number {
    return this.data.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** The element at the given indices. */
  get(...idx: number[]): number {
    if (idx.length !== this.shape.length) {
      throw new ShapeError(`HostTensor.get: expected ${this.shape.length} indices for shape ${formatShape(this.shape)}, received ${idx.length}.`);
    }
    let off = 0;
    for (let i = 0; i < idx.length; i++) off = off * this.shape[i] + idx[i];
    return this.data[off];
  }
  /** Nested JS arrays, like numpy's `tolist()`. */
  toArray(): NestedArray {
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.shape.length) return this.data[off];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  }
  static fromTensor(t: Tensor): HostTensor {
    // dataSync() may return the backend's own storage (the plain-JS backend does): copy it, so
    // writing into a HostTensor cannot change a shared variable or any other tensor.
    return new HostTensor((t.dataSync() as TypedArray).slice(), t.shape, t.dtype as DType);
  }
  /** As `fromTensor`, without blocking: works on backends that can only read asynchronously (webgpu). */
  static async fromTensorAsync(t: Tensor): Promise<HostTensor> {
    return new HostTensor(((await t.data()) as TypedArray).slice(), t.shape, t.dtype as DType);
  }
}

/** What may be given where a concrete tensor value is expected. */
export type TensorValue = Tensor | HostTensor | { data: ArrayLike<number>; shape: readonly number[] } | NestedArray | TypedArray;

export function isTfTensor(v: unknown): v is Tensor {
  return v instanceof tf.Tensor;
}

/** Shape and row-major values of a nested array, checked to be rectangular. */
function flattenNested(v: readonly NestedArray[], where: string): { shape: number[]; flat: (number | boolean)[] } {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedArray;
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const flat = (v as unknown[]).flat(Infinity) as (number | boolean)[];
  if (flat.length !== size) throw new ShapeError(`${where}: the nested array is ragged; every row must have the same length (shape so far ${formatShape(shape)}).`);
  return { shape, flat };
}

/** Host data + shape of a value, without touching the backend. */
export function toHost(value: TensorValue, dtype: DType | undefined, where: string, declaredShape?: Shape): { data: ArrayLike<number>; shape: number[]; dtype: DType } {
  if (isTfTensor(value)) return { data: value.dataSync(), shape: value.shape, dtype: value.dtype as DType };
  if (value instanceof HostTensor) return { data: value.data, shape: [...value.shape], dtype: value.dtype };
  if (ArrayBuffer.isView(value)) {
    const dt: DType = value instanceof Float32Array ? 'float32' : value instanceof Int32Array ? 'int32' : dtype ?? 'float32';
    let shape: number[];
    if (declaredShape && declaredShape.every((d) => d !== null) ) shape = declaredShape as number[];
    else if (declaredShape && declaredShape.filter((d) => d === null).length === 1) {
      const known = declaredShape.reduce<number>((a, d) => a * (d ?? 1), 1);
      shape = declaredShape.map((d) => (d === null ? value.length / known : d));
    } else if (!declaredShape || declaredShape.length === 1) shape = [value.length];
    else throw new ShapeError(`${where}: a typed array alone cannot say its shape here (expected ${formatShape(declaredShape)}); pass {data, shape} instead.`);
    return { data: value, shape, dtype: dt };
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    const dt: DType = dtype ?? (typeof value === 'boolean' ? 'bool' : Number.isInteger(value) ? 'int32' : 'float32');
    return { data: [Number(value)], shape: [], dtype: dt };
  }
  if (Array.isArray(value)) {
    const { shape, flat } = flattenNested(value as readonly NestedArray[], where);
    const dt: DType = dtype ?? (flat.every((x) => typeof x === 'boolean') && flat.length ? 'bool' : 'float32');
    return { data: flat.map(Number), shape, dtype: dt };
  }
  if (value && typeof value === 'object' && 'data' in value && 'shape' in value) {
    return { data: value.data, shape: [...value.shape], dtype: dtype ?? (value.data instanceof Int32Array ? 'int32' : 'float32') };
  }
  throw new DTypeError(`${where}: expected a tensor value (number, nested array, typed array, {data, shape} or tf.Tensor), received ${typeof value}.`);
}

export function makeTypedArray(dtype: DType, data: ArrayLike<number>): TypedArray {
  if (dtype === 'float32') return data instanceof Float32Array ? data : Float32Array.from(data);
  if (dtype === 'int32') return data instanceof Int32Array ? data : Int32Array.from(data);
  return data instanceof Uint8Array ? data : Uint8Array.from(data, (x) => (x ? 1 : 0));
}

/** Creates a new backend tensor (owned by the caller) from a value, cast to `dtype`. */
export function toTfTensor(value: TensorValue, dtype: DType, where: string, declaredShape?: Shape): Tensor {
  if (isTfTensor(value)) return value.dtype === dtype ? value.clone() : tf.cast(value, dtype);
  const h = toHost(value, dtype, where, declaredShape);
  const size = h.shape.reduce((a, b) => a * b, 1);
  if (h.data.length !== size) {
    throw new ShapeError(`${where}: ${h.data.length} values cannot fill shape ${formatShape(h.shape)} (${size} elements).`);
  }
  // tf.tensor may keep the array it is given as the tensor's storage (the plain-JS backend does;
  // webgpu keeps it until its upload): never hand it the caller's array, which the caller may
  // change later. wasm copies it into its heap at once (500x784 floats: 0.15 ms saved per call).
  const data = makeTypedArray(dtype, h.data);
  return tf.tensor(data === h.data && tf.getBackend() !== 'wasm' ? data.slice() : data, h.shape, dtype);
}
