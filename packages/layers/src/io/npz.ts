/**
 * NumPy `.npz` archives: a ZIP of `.npy` files. `encodeNpz` writes what `np.savez(path, *arrays)`
 * writes (entries `arr_0.npy ... arr_N.npy`, stored); `decodeNpz` also reads `np.savez_compressed`
 * (deflated) archives and named entries.
 */
import type { HostTensor } from '@lasagne-ts/core';
import { FormatError } from './format-error';
import { decodeNpy, encodeNpy } from './npy';
import { readZip, writeZip } from './zip';

/** An archive of positional arrays (`arr_0`, `arr_1`, ...) or named ones (a Map: `np.savez(path, W=...)`). */
export function encodeNpz(arrays: readonly HostTensor[] | ReadonlyMap<string, HostTensor>): Uint8Array {
  const named = Array.isArray(arrays) ? (arrays as HostTensor[]).map((a, i) => [`arr_${i}`, a] as const) : [...(arrays as ReadonlyMap<string, HostTensor>)];
  return writeZip(named.map(([name, a]) => ({ name: `${name}.npy`, data: encodeNpy(a) })));
}

/** The arrays of an archive by name (without `.npy`), in archive order. */
export function decodeNpz(bytes: Uint8Array, where = 'npz'): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const e of readZip(bytes)) {
    if (!e.name.endsWith('.npy')) continue;
    const name = e.name.slice(0, -4);
    out.set(name, decodeNpy(e.data, `${where}, array '${name}'`));
  }
  return out;
}

/**
 * The positional arrays of an archive, as Lasagne users load them:
 * `[f['arr_%d' % i] for i in range(len(f.files))]`. Errors if an `arr_i` is missing.
 */
export function positionalArrays(arrays: ReadonlyMap<string, HostTensor>, where: string): HostTensor[] {
  const out: HostTensor[] = [];
  for (let i = 0; i < arrays.size; i++) {
    const a = arrays.get(`arr_${i}`);
    if (!a) {
      throw new FormatError(`${where}: expected arrays named arr_0 ... arr_${arrays.size - 1} (as np.savez(path, *values) writes them), found ${[...arrays.keys()].join(', ')}.`);
    }
    out.push(a);
  }
  return out;
}
