import type { HostTensor } from '@lasagne-ts/core';
import type { Layer, TagFilter } from '../base';
import { FormatError } from '../io/format-error';
import { decodeNpz, encodeNpz, positionalArrays } from '../io/npz';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors';
import { getAllParamValues, setAllParamValues } from './params';

export type ParamFormat = 'npz' | 'safetensors';

/**
 * The network's parameter values, in `getAllParams` order, as the bytes of the file `saveParams`
 * writes: `np.savez(f, *get_all_param_values(network))` (`arr_0 ... arr_N`), or safetensors.
 * Works everywhere: in a browser, `new Blob([encodeParams(net)])` is a download that
 * `loadParams` (Node) or `np.load` reads back.
 */
export function encodeParams(layerOrLayers: Layer | readonly Layer[], options: { tags?: TagFilter; format?: ParamFormat } = {}): Uint8Array {
  const values = getAllParamValues(layerOrLayers, options.tags ?? {});
  return options.format === 'safetensors' ? encodeSafetensors(values, { format: 'np' }) : encodeNpz(values);
}

const u32 = (b: Uint8Array, i: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(i, true);

/**
 * The arrays of a parameter file's bytes, in parameter order: a `.npz` (also
 * `np.savez_compressed`) or a safetensors file (`format` says which when the contents could be
 * either). `where` names the source in errors (a path, a file name).
 */
export function decodeParams(bytes: Uint8Array, options: { where?: string; format?: ParamFormat } = {}): HostTensor[] {
  const where = options.where ?? 'parameter file';
  const zip = bytes.length >= 4 && u32(bytes, 0) === 0x04034b50;
  const empty = bytes.length === 22 && u32(bytes, 0) === 0x06054b50; // an archive of no arrays
  if (zip || empty) return positionalArrays(decodeNpz(bytes, where), where);
  const safetensors = options.format === 'safetensors';
  if (safetensors || bytes.length >= 9) {
    let arrays: Map<string, HostTensor>;
    try {
      arrays = decodeSafetensors(bytes, where);
    } catch (e) {
      if (safetensors) throw e;
      throw new FormatError(`${where}: neither a .npz archive nor a safetensors file.`);
    }
    const keys = [...arrays.keys()];
    if (keys.every((k) => /^arr_\d+$/.test(k))) return positionalArrays(arrays, where);
    return keys.map((k) => arrays.get(k)!); // named tensors: in file order
  }
  throw new FormatError(`${where}: neither a .npz archive nor a safetensors file.`);
}

/**
 * Sets the network's parameters from a parameter file's bytes (`.npz` as `saveParams` or NumPy
 * writes it, float32 or float64; or safetensors), in `getAllParams` order. Counts and shapes are
 * checked before any value is set.
 */
export function loadParamsFromBytes(layerOrLayers: Layer | readonly Layer[], bytes: Uint8Array, options: { tags?: TagFilter; where?: string; format?: ParamFormat } = {}): void {
  const values = decodeParams(bytes, options).map((v) => (v.dtype === 'float32' ? v : { data: Float32Array.from(v.data), shape: v.shape }));
  values.forEach((v, i) => {
    let bad = 0;
    for (let k = 0; k < v.data.length; k++) if (!Number.isFinite(v.data[k])) bad++;
    if (bad) throw new FormatError(`${options.where ?? 'parameters'}: array ${i} (shape [${v.shape.join(', ')}]) holds ${bad} NaN or infinite value${bad > 1 ? 's' : ''}; it comes from a diverged run or is damaged.`);
  });
  setAllParamValues(layerOrLayers, values, options.tags ?? {});
}
