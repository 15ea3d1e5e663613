import { createHash } from 'node:crypto';
import { FileWriteError, HostTensor, writeFileAtomic } from '@lasagne-ts/core';
import { decodeSafetensors, encodeSafetensors, FormatError, safetensorsMetadata } from '@lasagne-ts/layers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from './checkpoint-error';
import { decodeCheckpointV1, isCheckpointV1 } from './checkpoint-v1';

/** Name of the checkpoint file inside a `--checkpoint DIR`. */
export const CHECKPOINT_FILE = 'mnist-train.ckpt';
const FORMAT = 'lasagne-ts-checkpoint';
const VERSION = 2;
/** Stands in for the digest while the file is encoded (64 hex digits, as long as the digest). */
const PENDING_DIGEST = '0'.repeat(64);

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

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const dataSection = (bytes: Uint8Array): Uint8Array => bytes.subarray(8 + Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)));

/**
 * Encodes a checkpoint as a safetensors file, written by the same writer as `saveParams`'
 * `.safetensors` (so `safetensors.numpy.load_file` reads it in Python): one tensor per array,
 * under its name. The header's `__metadata__` (string values, as the format requires) holds
 * `format` ('lasagne-ts-checkpoint'), `version` ('2'), `meta` (the metadata as JSON), `arrays`
 * (JSON: `[name, group]` per array, in order) and `sha256` (of the data section).
 */
export function encodeCheckpoint(ckpt: CheckpointFile): Uint8Array {
  const tensors = new Map<string, HostTensor>();
  for (const a of ckpt.arrays) {
    const size = a.shape.reduce((x, y) => x * y, 1);
    if (size !== a.data.length) throw new CheckpointError(`checkpoint array '${a.name}': shape [${a.shape}] does not match its ${a.data.length} values.`);
    if (tensors.has(a.name)) throw new CheckpointError(`checkpoint array '${a.name}' appears twice; every array needs its own name.`);
    tensors.set(a.name, new HostTensor(a.data, a.shape, a.dtype));
  }
  const metadata = {
    format: FORMAT,
    version: String(VERSION),
    meta: JSON.stringify(ckpt.meta ?? null),
    arrays: JSON.stringify(ckpt.arrays.map((a) => [a.name, a.group])),
    sha256: PENDING_DIGEST,
  };
  const bytes = encodeSafetensors(tensors, metadata);
  // The digest covers the data section, which follows the header: it replaces the placeholder of
  // the same length, so no offset moves. The first `"sha256":"000…"` is the metadata's own (the
  // other metadata values are JSON inside strings, their quotes escaped).
  const header = bytes.subarray(8, bytes.length - dataSection(bytes).length);
  const at = Buffer.from(header.buffer, header.byteOffset, header.length).indexOf(`"sha256":"${PENDING_DIGEST}"`);
  bytes.set(Buffer.from(sha256(dataSection(bytes)), 'latin1'), 8 + at + '"sha256":"'.length);
  return bytes;
}

/**
 * Decodes `encodeCheckpoint`'s bytes; any damage is a CheckpointError naming `file`. A version 1
 * checkpoint (lasagne-ts' own `LTSCKPT` container, written before checkpoints moved to
 * safetensors) still loads; the next checkpoint written replaces it with version 2.
 */
export function decodeCheckpoint<M = unknown>(bytes: Uint8Array, file = 'checkpoint'): CheckpointFile<M> {
  const bad = (what: string) => new CheckpointError(`${file}: not a usable lasagne-ts checkpoint (${what}); delete it (or the --checkpoint directory) to start over.`, file);
  if (isCheckpointV1(bytes)) return decodeCheckpointV1<M>(bytes, bad);
  let metadata: Record<string, string> | undefined;
  let tensors: Map<string, HostTensor>;
  try {
    metadata = safetensorsMetadata(bytes, file);
    tensors = decodeSafetensors(bytes, file);
  } catch (e) {
    if (e instanceof FormatError) throw bad(e.message.replace(`${file}: `, '').replace(/\.$/, ''));
    throw e;
  }
  if (metadata?.format !== FORMAT) throw bad('a safetensors file without lasagne-ts checkpoint metadata');
  if (metadata.version !== String(VERSION)) throw bad(`version ${metadata.version}, this program reads versions 1 and ${VERSION}`);
  if (sha256(dataSection(bytes)) !== metadata.sha256) throw bad('checksum mismatch: the data changed after it was written');
  let meta: M;
  let order: [string, string][];
  try {
    meta = JSON.parse(metadata.meta) as M;
    order = JSON.parse(metadata.arrays) as [string, string][];
  } catch {
    throw bad('unreadable metadata');
  }
  if (!Array.isArray(order) || order.length !== tensors.size || order.some(([name]) => !tensors.has(name))) throw bad('the array list does not match the tensors');
  const arrays = order.map(([name, group]): CheckpointArray => {
    const t = tensors.get(name)!;
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw bad(`array '${name}' is ${t.dtype}; checkpoints hold float32 and int32`);
    return { group, name, dtype: t.dtype, shape: [...t.shape], data: t.data as Float32Array | Int32Array };
  });
  return { meta, arrays };
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
