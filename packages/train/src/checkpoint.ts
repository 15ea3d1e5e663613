import { createHash } from 'node:crypto';
import { FileWriteError, writeFileAtomic } from '@lasagne-ts/core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from './checkpoint-error';

/** Name of the checkpoint file inside a `--checkpoint DIR`. */
export const CHECKPOINT_FILE = 'mnist-train.ckpt';
const MAGIC = Buffer.from('LTSCKPT\x01', 'latin1');
const FORMAT = 'lasagne-ts-checkpoint';
const VERSION = 1;

export { CheckpointError };

/** One saved array: `group` says what it is ('param', 'optimizer', 'rng', ...). */
export interface CheckpointArray {
  group: string;
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A checkpoint: JSON-serialisable metadata plus typed arrays. */
export interface CheckpointFile<M = unknown> {
  meta: M;
  arrays: CheckpointArray[];
}

interface Header {
  format: string;
  version: number;
  meta: unknown;
  arrays: { group: string; name: string; dtype: 'float32' | 'int32'; shape: number[]; offset: number; length: number }[];
  payloadBytes: number;
  sha256: string;
}

/**
 * Encodes a checkpoint: 8-byte magic `LTSCKPT\x01`, u32 LE header length, UTF-8 JSON header
 * (format, version, meta, array table, payload SHA-256), then the arrays' little-endian bytes.
 */
export function encodeCheckpoint(ckpt: CheckpointFile): Buffer {
  let offset = 0;
  const table: Header['arrays'] = [];
  const chunks: Buffer[] = [];
  for (const a of ckpt.arrays) {
    const size = a.shape.reduce((x, y) => x * y, 1);
    if (size !== a.data.length) throw new CheckpointError(`checkpoint array '${a.name}': shape [${a.shape}] does not match its ${a.data.length} values.`);
    const bytes = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    chunks.push(Buffer.from(bytes)); // copy: the view may alias memory that changes later
    table.push({ group: a.group, name: a.name, dtype: a.dtype, shape: [...a.shape], offset, length: bytes.length });
    offset += bytes.length;
  }
  const payload = Buffer.concat(chunks);
  const header: Header = {
    format: FORMAT,
    version: VERSION,
    meta: ckpt.meta,
    arrays: table,
    payloadBytes: payload.length,
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  return Buffer.concat([MAGIC, len, json, payload]);
}

/** Decodes `encodeCheckpoint`'s bytes; any damage is a CheckpointError naming `file`. */
export function decodeCheckpoint<M = unknown>(bytes: Buffer, file = 'checkpoint'): CheckpointFile<M> {
  const bad = (what: string) =>
    new CheckpointError(`${file}: not a usable mnist-train checkpoint (${what}); delete it (or the --checkpoint directory) to start over.`, file);
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) throw bad('wrong magic bytes');
  const hlen = bytes.readUInt32LE(8);
  if (12 + hlen > bytes.length) throw bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(12, 12 + hlen).toString('utf8')) as Header;
  } catch {
    throw bad('unreadable header');
  }
  if (header?.format !== FORMAT || !Array.isArray(header.arrays)) throw bad('unknown header');
  if (header.version !== VERSION) throw bad(`version ${header.version}, this program reads version ${VERSION}`);
  const payload = bytes.subarray(12 + hlen);
  if (payload.length !== header.payloadBytes) throw bad(`payload of ${payload.length} bytes, expected ${header.payloadBytes}`);
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) throw bad('checksum mismatch');
  const arrays = header.arrays.map((a): CheckpointArray => {
    const raw = payload.subarray(a.offset, a.offset + a.length);
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    const data = a.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    if (data.length !== a.shape.reduce((x, y) => x * y, 1)) throw bad(`array '${a.name}' has the wrong size`);
    return { group: a.group, name: a.name, dtype: a.dtype, shape: a.shape, data };
  });
  return { meta: header.meta as M, arrays };
}

/** Path of the checkpoint file in `dir`. */
export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

/**
 * Writes the checkpoint into `dir` atomically: a temporary file in the same directory is
 * written and fsynced, then renamed over the old one, so a crash leaves either the old or the
 * new checkpoint, never a torn one. Returns the file's path.
 */
export function writeCheckpoint(dir: string, ckpt: CheckpointFile): string {
  const target = checkpointPath(dir);
  const bytes = encodeCheckpoint(ckpt);
  try {
    writeFileAtomic(target, bytes, { mkdir: true, what: 'the checkpoint' });
  } catch (e) {
    if (e instanceof FileWriteError) throw new CheckpointError(e.message, e.path);
    throw e;
  }
  return target;
}

/** Reads the checkpoint in `dir`, or returns undefined when there is none. */
export function readCheckpoint<M = unknown>(dir: string): CheckpointFile<M> | undefined {
  const file = checkpointPath(dir);
  if (!existsSync(file)) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`${file}: cannot read the checkpoint: ${(e as Error).message}`, file);
  }
  return decodeCheckpoint<M>(bytes, file);
}
