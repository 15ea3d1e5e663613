import { readFileSync } from 'fs';
import type { HostTensor } from '@lasagne-ts/core';
import type { Layer, TagFilter } from '../base';
import { writeFileAtomic } from '@lasagne-ts/core';
import { decodeParams, encodeParams, loadParamsFromBytes } from './param-bytes';

// Node only (exported by src/index.ts, not src/browser.ts): the file forms of param-bytes.ts.

const isSafetensors = (path: string) => path.toLowerCase().endsWith('.safetensors');

/**
 * Saves the network's parameter values, in `getAllParams` order, as
 * `np.savez(path, *lasagne.layers.get_all_param_values(network))` does: a `.npz` with
 * `arr_0 ... arr_N` (`.npz` is appended to the path unless present, as NumPy does), or a
 * safetensors file when the path ends in `.safetensors`. The write is atomic. Returns the path written.
 */
export function saveParams(layerOrLayers: Layer | readonly Layer[], path: string, tags: TagFilter = {}): string {
  if (isSafetensors(path)) {
    writeFileAtomic(path, encodeParams(layerOrLayers, { tags, format: 'safetensors' }), { what: 'the parameters' });
    return path;
  }
  const target = path.toLowerCase().endsWith('.npz') ? path : `${path}.npz`;
  writeFileAtomic(target, encodeParams(layerOrLayers, { tags }), { what: 'the parameters' });
  return target;
}

/** Reads a parameter file (`.npz`, or safetensors) as the list of arrays in parameter order. */
export function readParamFile(path: string): HostTensor[] {
  return decodeParams(readFileSync(path), { where: path, format: isSafetensors(path) ? 'safetensors' : undefined });
}

/**
 * Loads parameter values saved by `saveParams` or by NumPy
 * (`np.savez(path, *get_all_param_values(network))`, also `np.savez_compressed`, float32 or
 * float64) into the network, in `getAllParams` order. Counts and shapes are checked before any
 * value is set. Integer arrays wider than int32 are refused (a value that does not fit is a
 * FormatError), and so is a NaN or infinite value: parameters are never silently non-finite.
 */
export function loadParams(layerOrLayers: Layer | readonly Layer[], path: string, tags: TagFilter = {}): void {
  loadParamsFromBytes(layerOrLayers, readFileSync(path), { tags, where: path, format: isSafetensors(path) ? 'safetensors' : undefined });
}
