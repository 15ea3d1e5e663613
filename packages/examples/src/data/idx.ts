import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from './errors';

/** An IDX array of unsigned bytes: `data` holds prod(dims) values in row-major order. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** IDX type code for unsigned bytes, the only type MNIST uses. */
export const IDX_UBYTE = 0x08;

function hex(bytes: Uint8Array): string {
  return '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Parses an (uncompressed) IDX file: magic 0x0000TTNN with type TT = 0x08 (ubyte) and
 * NN dimensions, NN big-endian uint32 sizes, then exactly prod(sizes) data bytes.
 * The returned `data` is a view into `buf`.
 */
export function parseIdx(buf: Uint8Array, fileName: string): IdxArray {
  const fail = DataError.mismatch;
  if (buf.length < 4) {
    throw fail('truncated', fileName, 'a 4-byte IDX magic number', `a file of only ${buf.length} bytes`);
  }
  const magic = hex(buf.subarray(0, 4));
  if (buf[0] !== 0 || buf[1] !== 0 || buf[3] === 0) {
    throw fail('bad-magic', fileName,
      'an IDX magic number 0x000008NN (0x00000803 for images, 0x00000801 for labels)', `${magic}; this is not an IDX file`);
  }
  if (buf[2] !== IDX_UBYTE) {
    throw fail('bad-type', fileName, 'IDX type code 0x08 (unsigned byte)', `type code ${hex(buf.subarray(2, 3))} in magic ${magic}`);
  }
  const rank = buf[3];
  const headerLength = 4 + 4 * rank;
  if (buf.length < headerLength) {
    throw fail('truncated', fileName, `a ${headerLength}-byte header for ${rank} dimensions`, `a file of only ${buf.length} bytes`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = buf.length - headerLength;
  if (found !== expected) {
    throw fail(found < expected ? 'truncated' : 'trailing-bytes', fileName,
      `${expected} data bytes for dimensions ${dims.join('x')}`,
      `${found} bytes (the file is ${found < expected ? 'truncated' : 'longer than its header says'})`);
  }
  return { dims, data: buf.subarray(headerLength) };
}

/** True when `buf` starts with the gzip magic bytes 1f 8b. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Reads an IDX file from disk, raw or gzip-compressed (detected by content, not by name). */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const code = err.code === 'ENOENT' ? 'missing-file' : 'unreadable';
    throw DataError.mismatch(code, path, 'a readable IDX file', err.code === 'ENOENT' ? 'no such file' : String(err.message));
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw DataError.mismatch('bad-gzip', path, 'a complete gzip stream', `a corrupt or truncated one (${(e as Error).message})`);
    }
  }
  return parseIdx(bytes, path);
}
