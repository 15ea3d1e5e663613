import { HostTensor, OptionsError, SharedVariable, ShapeError, SymbolicTensor, formatShape, shared, tf, type TensorValue } from '@lasagne-ts/core';
import { Initializer } from './init';

/**
 * How a parameter is given (Lasagne's `spec`): an initializer, an existing shared variable (to
 * share weights between layers), an expression of shared variables (e.g. `V.mul(2)` or a
 * transposed shared weight; the layer computes with the expression, and `getParams` returns the
 * shared variables it depends on), a value of the right shape (HostTensor, tf.Tensor, nested
 * array, typed array, `{data, shape}`), or a function of the shape returning such a value.
 */
export type ParamSpec = Initializer | SymbolicTensor | TensorValue | ((shape: number[]) => TensorValue);

/** True for anything `createParam` accepts (used by the zod schemas of the layers). */
export function isParamSpec(v: unknown): v is ParamSpec {
  if (v instanceof Initializer || v instanceof SymbolicTensor || typeof v === 'function') return true;
  if (v instanceof HostTensor || v instanceof tf.Tensor || ArrayBuffer.isView(v) || Array.isArray(v)) return true;
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v;
}

/** The shape of a concrete value, or null where the value alone does not say (a flat typed array). */
function valueShape(v: TensorValue): readonly number[] | null {
  if (v instanceof HostTensor) return v.shape;
  if (v instanceof tf.Tensor) return v.shape;
  if (ArrayBuffer.isView(v)) return null;
  if (Array.isArray(v)) {
    const shape: number[] = [];
    let cur: unknown = v;
    while (Array.isArray(cur)) {
      shape.push(cur.length);
      cur = cur[0];
    }
    return shape;
  }
  if (typeof v === 'object' && v !== null && 'shape' in v) return v.shape;
  return [];
}

/**
 * Lasagne's `create_param(spec, shape, name)`: a float32 shared variable of the given shape, or
 * the given shared variable or expression (its rank and static sizes checked). `where` names
 * the layer and parameter in errors.
 *
 * An expression is returned as it is; the layer field holding it is typed as a shared variable
 * for the common case, so narrow it (`instanceof SharedVariable`) before calling `get`/`set`.
 */
export function createParam(spec: ParamSpec, shape: readonly number[], name: string | undefined, where: string): SharedVariable {
  if (shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ShapeError(`${where}: cannot create a parameter with a non-positive or unknown shape dimension; shape ${formatShape(shape)}.`);
  }
  if (spec instanceof SharedVariable) {
    const fits = spec.ndim === shape.length && spec.shape.every((d, i) => d === null || d === shape[i]);
    if (!fits) throw new ShapeError(`${where}: the shared variable ${spec.describe()} has shape ${formatShape(spec.shape)}, the layer needs ${formatShape(shape)}.`);
    return spec;
  }
  if (spec instanceof SymbolicTensor) {
    if (spec.ndim !== shape.length) throw new ShapeError(`${where}: the parameter expression ${spec.describe()} has ${spec.ndim} dimensions, the layer needs ${shape.length} (shape ${formatShape(shape)}).`);
    if (spec.shape.some((d, i) => d !== null && d !== shape[i])) throw new ShapeError(`${where}: the parameter expression ${spec.describe()} has shape ${formatShape(spec.shape)}, the layer needs ${formatShape(shape)}.`);
    if (spec.dtype !== 'float32') throw new OptionsError(`${where}: the parameter expression ${spec.describe()} must be float32.`);
    return spec as SharedVariable;
  }
  let value: TensorValue;
  if (spec instanceof Initializer) value = spec.sample(shape);
  else if (typeof spec === 'function') value = spec([...shape]);
  else value = spec;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    throw new OptionsError(`${where}: expected an initializer, a shared variable or an array of shape ${formatShape(shape)}, received ${value === null ? 'null' : typeof value}${typeof spec === 'function' ? ' (from a function)' : ''}.`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const got = valueShape(value);
  if (got === null) {
    const n = (value as ArrayLike<number>).length;
    if (n !== size) throw new ShapeError(`${where}: a typed array of ${n} values cannot fill shape ${formatShape(shape)} (${size} values).`);
    value = { data: value as ArrayLike<number>, shape };
  } else if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${where}: the value has shape ${formatShape(got)}, the layer needs ${formatShape(shape)}.`);
  }
  return shared(value, { name, shape, dtype: 'float32' });
}
