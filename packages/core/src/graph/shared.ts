import { checkDType, type DType } from '../dtype';
import { DTypeError, ShapeError } from '../errors';
import { HostTensor, toHost, toTfTensor, type TensorValue, type TypedArray } from '../host';
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
 * A variable whose value lives on the backend and persists across calls (Theano's shared
 * variable). Compiled functions read it as an implicit input and may update it.
 */
export class SharedVariable extends SymbolicTensor {
  /** The storage, a box that clones made by `clone()` share with this variable. */
  private storage: { value: Tensor };
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
    this.storage = { value: tf.keep(toTfTensor({ data: copy, shape: h.shape }, dtype, 'shared')) };
    this.tags = new Set(options.tags ?? []);
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
  /** A host copy of the current value. */
  get(): HostTensor {
    return HostTensor.fromTensor(this.storage.value);
  }
  /** The backend tensor itself (borrowed: do not dispose it). */
  getTensor(): Tensor {
    return this.storage.value;
  }
  /** Replaces the value; its shape must fit the variable's static shape. */
  set(value: TensorValue): void {
    const where = `${this.name ?? 'shared variable'}.set`;
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
    old.dispose();
  }
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
