/**
 * CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, as zip and PNG use): the project's one
 * CRC-32. The Node entry switches it to node's `zlib.crc32` (Node ≥ 20.15; `crc32-node.ts`);
 * browsers and older Nodes use the table below.
 */
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

/** The table-driven CRC-32 of `data` (continuing from `crc` when given). */
export function crc32Js(data: Uint8Array, crc = 0): number {
  const t = (table ??= makeTable());
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

let impl: (data: Uint8Array, crc: number) => number = crc32Js;

/** Installs a faster implementation with the same results (the Node entry: `zlib.crc32`). */
export function useCrc32(f: (data: Uint8Array, crc: number) => number): void {
  impl = f;
}

/** The CRC-32 of `data` (continuing from `crc` when given). */
export function crc32(data: Uint8Array, crc = 0): number {
  return impl(data, crc);
}
