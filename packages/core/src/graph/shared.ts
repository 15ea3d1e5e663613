import { checkDType, type DType } from '../dtype';
import { readsSynchronously } from '../backend';
import { DTypeError, ShapeError, SyncCallError } from '../errors';
import { HostTensor, makeTypedArray, toHost, toTfTensor, type TensorValue, type TypedArray } from '../host';
import { fitsStatic, formatShape, type Shape } from '../shape';
import { tf, type Tensor } from '../tf';
import { SymbolicTensor } from './node';

export interface SharedOptions {
  name?: string;
  dtype?: DType;
  /** Static shape; use null for sizes that may change on `set` (default: the value's shape). */
  shape?: readonly (number | null)[];
  /** Tags such as 'trainable' and 'regularizable' (Lasagne's param tags). */
  tags?: Iterable<string>;
}

/**
 * The value of a shared variable: on the backend, on the host, or both. Integer and boolean
 * values (labels, counters, random state) keep a host copy, so indices and shapes computed from
 * them need no device read; float values live on the backend (on webgpu also on the host while
 * they are the value given there, or after `cacheOnHost`). At least one is set.
 */
interface Storage {
  value: Tensor | undefined;
  host: HostTensor | undefined;
}

/**
 * A variable whose value lives on the backend and persists across calls (Theano's shared
 * variable). Compiled functions read it as an implicit input and may update it.
 */
export class SharedVariable extends SymbolicTensor {
  /** The storage, a box that clones made by `clone()` share with this variable. */
  private storage: Storage;
  readonly tags: Set<string>;
  /** Expression applied by every compiled function that uses this variable (Theano's default_update). */
  defaultUpdate: SymbolicTensor | undefined;

  /** `aliasOf` (internal, used by `clone`): share that variable's storage instead of uploading `value`. */
  constructor(value: TensorValue, options: SharedOptions = {}, aliasOf?: SharedVariable) {
    if (aliasOf) {
      super(aliasOf.type, options.name);
      this.storage = aliasOf.storage;
      this.tags = new Set(options.tags ?? []);
      return;
    }
    if (options.dtype !== undefined) options = { ...options, dtype: checkDType(options.dtype, `shared${options.name ? ` '${options.name}'` : ''}`) };
    const h = toHost(value, options.dtype, `shared${options.name ? ` '${options.name}'` : ''}`, options.shape);
    const dtype = options.dtype ?? h.dtype;
    const shape: Shape = options.shape ?? h.shape;
    super({ dtype, shape }, options.name);
    checkFits(this, h.shape, 'shared');
    // A copy of the caller's data (typed arrays copied as they are: going through a JS array took
    // seconds for a data set the size of MNIST).
    const copy = ArrayBuffer.isView(h.data) ? (h.data as TypedArray).slice() : Array.prototype.slice.call(h.data);
    this.storage = { value: undefined, host: undefined };
    this.store(copy, h.shape, 'shared');
    this.tags = new Set(options.tags ?? []);
  }
  /**
   * Stores host data (owned by the variable from here on): as a host value for integer dtypes,
   * uploaded for floats. On a backend that reads only asynchronously (webgpu) a float value keeps
   * its host copy too, so `get()` (and what calls it: layers' `getAllParamValues`, `saveParams`)
   * works until an update computed on the device replaces it.
   */
  private store(data: ArrayLike<number>, shape: readonly number[], where: string): void {
    if (this.dtype === 'float32') {
      this.setTensor(tf.keep(toTfTensor({ data, shape }, this.dtype, where)));
      if (!readsSynchronously()) this.storage.host = new HostTensor(Float32Array.from(data), [...shape], 'float32');
      return;
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new ShapeError(`${where}: ${data.length} values cannot fill shape ${formatShape(shape)} (${size} elements).`);
    this.setHost(new HostTensor(makeTypedArray(this.dtype, data), [...shape], this.dtype));
  }
  /**
   * A new variable aliasing this one's storage (Theano's `theano.clone(shared, share_inputs=False)`):
   * a distinct graph node, so it can carry its own `defaultUpdate` (applied only by functions
   * whose graph uses the clone), while reads and writes go to the same value. BatchNorm's
   * running averages rely on it. The clone has this variable's name and tags, and no default update.
   */
  clone(name: string | undefined = this.name): SharedVariable {
    return new SharedVariable(undefined as unknown as TensorValue, { name, tags: this.tags }, this);
  }
  protected override kind(): string {
    return 'shared variable';
  }
  /**
   * A host copy of the current value. On a backend that reads only asynchronously (webgpu) a
   * value that lives on the device cannot be read this way: use `await read()`.
   */
  get(): HostTensor {
    const { host, value } = this.storage;
    if (host) return copyOf(host);
    if (!readsSynchronously()) throw new SyncCallError(`${this.describe()}.get() reads the device synchronously, which this backend cannot do; use \`await ${this.name ?? 'variable'}.read()\` instead.`);
    return HostTensor.fromTensor(value!);
  }
  /** A host copy of the current value, read without blocking (works on every backend). */
  async read(): Promise<HostTensor> {
    const { host, value } = this.storage;
    if (host) return copyOf(host);
    return HostTensor.fromTensorAsync(value!);
  }
  /**
   * Reads the value to the host once, without blocking, and keeps that copy beside the device
   * value: `get()` (and what calls it, e.g. layers' `saveParams`) then works on every backend,
   * until the next update replaces the value.
   */
  async cacheOnHost(): Promise<void> {
    const s = this.storage;
    if (!s.host) s.host = await HostTensor.fromTensorAsync(s.value!);
  }
  /** The backend tensor itself (borrowed: do not dispose it); uploaded from the host copy when needed. */
  getTensor(): Tensor {
    const s = this.storage;
    if (!s.value) s.value = tf.keep(tf.tensor(s.host!.data, [...s.host!.shape], this.dtype));
    return s.value;
  }
  /** The host copy, when the value has one (borrowed: do not change it). */
  getHost(): HostTensor | undefined {
    return this.storage.host;
  }
  /** Replaces the value; its shape must fit the variable's static shape. */
  set(value: TensorValue): void {
    const where = `${this.name ?? 'shared variable'}.set`;
    if (!(value instanceof tf.Tensor)) {
      const h = toHost(value, this.dtype, where, this.shape);
      checkFits(this, h.shape, where);
      this.store(ArrayBuffer.isView(h.data) ? (h.data as TypedArray).slice() : Array.prototype.slice.call(h.data), h.shape, where);
      return;
    }
    const t = tf.keep(toTfTensor(value, this.dtype, where, this.shape));
    try {
      checkFits(this, t.shape, where);
    } catch (e) {
      t.dispose();
      throw e;
    }
    this.setTensor(t);
  }
  /** Takes ownership of a backend tensor as the new value (internal: used by compiled updates). */
  setTensor(t: Tensor): void {
    if (t === this.storage.value) return;
    if (t.dtype !== this.dtype) throw new DTypeError(`${this.name ?? 'shared variable'}: expected a ${this.dtype} value, received ${t.dtype}.`);
    const old = this.storage.value;
    this.storage.value = tf.keep(t);
    this.storage.host = undefined;
    old?.dispose();
  }
  /** Takes a host value as the new value (internal: updates computed on the host, e.g. random state). */
  setHost(h: HostTensor): void {
    if (h.dtype !== this.dtype) throw new DTypeError(`${this.name ?? 'shared variable'}: expected a ${this.dtype} value, received ${h.dtype}.`);
    this.storage.value?.dispose();
    this.storage.value = undefined;
    this.storage.host = h;
  }
}

function copyOf(h: HostTensor): HostTensor {
  return new HostTensor(h.data.slice(), h.shape, h.dtype);
}

function checkFits(v: SymbolicTensor, shape: readonly number[], where: string): void {
  if (!fitsStatic(shape, v.shape)) {
    throw new ShapeError(`${where}: expected a value of shape ${formatShape(v.shape)}, received ${formatShape(shape)}.`);
  }
}

/** `theano.shared`: a shared variable holding `value`. */
export function shared(value: TensorValue, options: SharedOptions = {}): SharedVariable {
  return new SharedVariable(value, options);
}
