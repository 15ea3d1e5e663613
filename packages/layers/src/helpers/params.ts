import { HostTensor, OptionsError, ShapeError, formatShape, tf, type SharedVariable, type SymbolicTensor, type TensorValue } from '@lasagne-ts/core';
import type { Layer, TagFilter } from '../base';
import { getAllLayers } from './get-all-layers';

/**
 * Lasagne's `get_all_params(layer, unwrap_shared=True, **tags)`: the parameters of all layers the
 * given layer(s) depend on, in `getAllLayers` order (each layer's in registration order), without
 * duplicates, filtered by tags (`{trainable: true}`, `{regularizable: true}`, ...). Parameters
 * given as expressions count as the shared variables they depend on, unless `unwrapShared: false`.
 */
export function getAllParams(layerOrLayers: Layer | readonly Layer[], tags: TagFilter & { unwrapShared: false }): SymbolicTensor[];
export function getAllParams(layerOrLayers: Layer | readonly Layer[], tags?: TagFilter): SharedVariable[];
export function getAllParams(layerOrLayers: Layer | readonly Layer[], tags: TagFilter = {}): SymbolicTensor[] {
  const out: SymbolicTensor[] = [];
  const seen = new Set<SymbolicTensor>();
  for (const l of getAllLayers(layerOrLayers)) {
    for (const p of l.getParams(tags)) {
      if (!seen.has(p)) {
        seen.add(p);
        out.push(p);
      }
    }
  }
  return out;
}

function paramSize(p: SharedVariable): number {
  const s = p.shape.every((d) => d !== null) ? (p.shape as number[]) : p.get().shape;
  return s.reduce((a, b) => a * b, 1);
}

/** Lasagne's `count_params(layer, **tags)`: the number of values in the (filtered) parameters. */
export function countParams(layerOrLayers: Layer | readonly Layer[], tags: TagFilter = {}): number {
  return getAllParams(layerOrLayers, tags).reduce((n, p) => n + paramSize(p), 0);
}

/** Lasagne's `get_all_param_values(layer, **tags)`: host copies of the parameter values, in `getAllParams` order. */
export function getAllParamValues(layerOrLayers: Layer | readonly Layer[], tags: TagFilter = {}): HostTensor[] {
  return getAllParams(layerOrLayers, tags).map((p) => p.get());
}

function valueShape(v: TensorValue): readonly number[] | null {
  if (v instanceof HostTensor || v instanceof tf.Tensor) return v.shape;
  if (ArrayBuffer.isView(v)) return null;
  if (Array.isArray(v)) {
    const s: number[] = [];
    let cur: unknown = v;
    while (Array.isArray(cur)) {
      s.push(cur.length);
      cur = cur[0];
    }
    return s;
  }
  if (v && typeof v === 'object' && 'shape' in v) return v.shape;
  return [];
}

/**
 * Lasagne's `set_all_param_values(layer, values, **tags)`: sets the parameters from a list in
 * `getAllParams` order. Every count and shape is checked before any value is set; a mismatch is a
 * ShapeError naming the parameter.
 */
export function setAllParamValues(layerOrLayers: Layer | readonly Layer[], values: readonly TensorValue[], tags: TagFilter = {}): void {
  if (!Array.isArray(values)) throw new OptionsError(`setAllParamValues: expected a list of values, received ${typeof values}.`);
  const params = getAllParams(layerOrLayers, tags);
  if (params.length !== values.length) {
    throw new ShapeError(`setAllParamValues: mismatch: got ${values.length} values to set ${params.length} parameters.`);
  }
  const prepared = params.map((p, i) => {
    const v = values[i];
    const expected = p.shape.every((d) => d !== null) ? (p.shape as number[]) : p.get().shape;
    let shape = valueShape(v);
    const label = `parameter ${i} ('${p.name ?? 'unnamed'}')`;
    if (shape === null) {
      const n = (v as ArrayLike<number>).length;
      const size = expected.reduce((a, b) => a * b, 1);
      if (n !== size) throw new ShapeError(`setAllParamValues: mismatch: ${label} has shape ${formatShape(expected)} (${size} values), but the value to set is a typed array of ${n} values.`);
      shape = expected;
      return { data: v as ArrayLike<number>, shape: expected };
    }
    if (shape.length !== expected.length || shape.some((d, k) => d !== expected[k])) {
      throw new ShapeError(`setAllParamValues: mismatch: ${label} has shape ${formatShape(expected)}, but the value to set has shape ${formatShape(shape)}.`);
    }
    return v;
  });
  params.forEach((p, i) => p.set(prepared[i]));
}
