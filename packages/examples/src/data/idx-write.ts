import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IDX_UBYTE } from './idx';

/** Encodes unsigned bytes as an IDX file (magic 0x000008NN, big-endian dims, data). */
export function encodeIdx(data: Uint8Array, dims: number[]): Uint8Array {
  if (dims.length < 1 || dims.length > 255) throw new RangeError(`encodeIdx: need 1..255 dimensions, got ${dims.length}`);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new RangeError(`encodeIdx: bad dimension ${d}`);
  }
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new RangeError(`encodeIdx: dimensions ${dims.join('x')} need ${size} bytes, data has ${data.length}`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + size);
  const view = new DataView(out.buffer);
  out[2] = IDX_UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

/** Writes an uncompressed IDX file, creating its directory if needed. */
export function writeIdx(path: string, data: Uint8Array, dims: number[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodeIdx(data, dims));
}

/** Writes a gzip-compressed IDX file (conventionally named `*.gz`). */
export function writeIdxGz(path: string, data: Uint8Array, dims: number[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, gzipSync(encodeIdx(data, dims)));
}
