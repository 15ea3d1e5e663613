import * as zlib from 'zlib';

/** CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, as zip and PNG use), table-driven: for Node < 20.15. */
let table: Uint32Array | null = null;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

export function crc32Js(data: Uint8Array, crc = 0): number {
  const t = (table ??= makeTable());
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * The CRC-32 of `data` (continuing from `crc` when given): node's `zlib.crc32` (Node ≥ 20.15, zlib's
 * SIMD code), else the table-driven `crc32Js`. The project's one CRC-32 (zip entries, PNG chunks).
 */
export const crc32: (data: Uint8Array, crc?: number) => number = native ? (data, crc = 0) => native(data, crc) : crc32Js;
