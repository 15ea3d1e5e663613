import { readFileSync } from 'fs';
import type { HostTensor } from '@lasagne-ts/core';
import type { Layer, TagFilter } from '../base';
import { writeFileAtomic } from '@lasagne-ts/core';
import { FormatError } from '../io/format-error';
import { decodeNpz, encodeNpz, positionalArrays } from '../io/npz';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors';
import { getAllParamValues, setAllParamValues } from './params';

const isSafetensors = (path: string) => path.toLowerCase().endsWith('.safetensors');

/**
 * Saves the network's parameter values, in `getAllParams` order, as
 * `np.savez(path, *lasagne.layers.get_all_param_values(network))` does: a `.npz` with
 * `arr_0 ... arr_N` (`.npz` is appended to the path unless present, as NumPy does), or a
 * safetensors file when the path ends in `.safetensors`. The write is atomic. Returns the path written.
 */
export function saveParams(layerOrLayers: Layer | readonly Layer[], path: string, tags: TagFilter = {}): string {
  const values = getAllParamValues(layerOrLayers, tags);
  if (isSafetensors(path)) {
    writeFileAtomic(path, encodeSafetensors(values, { format: 'np' }), { what: 'the parameters' });
    return path;
  }
  const target = path.toLowerCase().endsWith('.npz') ? path : `${path}.npz`;
  writeFileAtomic(target, encodeNpz(values), { what: 'the parameters' });
  return target;
}

/** Reads a parameter file (`.npz`, or safetensors) as the list of arrays in parameter order. */
export function readParamFile(path: string): HostTensor[] {
  const bytes = readFileSync(path);
  const zip = bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
  const empty = bytes.length === 22 && bytes.readUInt32LE(0) === 0x06054b50; // an archive of no arrays
  if (zip || empty) return positionalArrays(decodeNpz(bytes, path), path);
  if (isSafetensors(path) || bytes.length >= 9) {
    let arrays: Map<string, HostTensor>;
    try {
      arrays = decodeSafetensors(bytes, path);
    } catch (e) {
      if (isSafetensors(path)) throw e;
      throw new FormatError(`${path}: neither a .npz archive nor a safetensors file.`);
    }
    const keys = [...arrays.keys()];
    if (keys.every((k) => /^arr_\d+$/.test(k))) return positionalArrays(arrays, path);
    return keys.map((k) => arrays.get(k)!); // named tensors: in file order
  }
  throw new FormatError(`${path}: neither a .npz archive nor a safetensors file.`);
}

/**
 * Loads parameter values saved by `saveParams` or by NumPy
 * (`np.savez(path, *get_all_param_values(network))`, also `np.savez_compressed`, float32 or
 * float64) into the network, in `getAllParams` order. Counts and shapes are checked before any
 * value is set. Integer arrays wider than int32 are refused (a value that does not fit is a
 * FormatError), and so is a NaN or infinite value: parameters are never silently non-finite.
 */
export function loadParams(layerOrLayers: Layer | readonly Layer[], path: string, tags: TagFilter = {}): void {
  const values = readParamFile(path).map((v) => (v.dtype === 'float32' ? v : { data: Float32Array.from(v.data), shape: v.shape }));
  values.forEach((v, i) => {
    let bad = 0;
    for (let k = 0; k < v.data.length; k++) if (!Number.isFinite(v.data[k])) bad++;
    if (bad) throw new FormatError(`${path}: array ${i} (shape [${v.shape.join(', ')}]) holds ${bad} NaN or infinite value${bad > 1 ? 's' : ''}; it comes from a diverged run or is damaged.`);
  });
  setAllParamValues(layerOrLayers, values, tags);
}
