/**
 * Reading version 1 checkpoints: lasagne-ts' own container, written before checkpoints moved to
 * safetensors (version 2, checkpoint.ts). Kept so that a run checkpointed by an earlier version
 * still resumes; nothing writes this format any more.
 *
 * Layout: the 8 bytes `LTSCKPT\x01`, a little-endian u32 header length, a UTF-8 JSON header
 * (`format`, `version` 1, `meta`, the array table `{group, name, dtype, shape, offset, length}`,
 * `payloadBytes`, `sha256` of the payload), then the arrays' little-endian bytes.
 */
import { createHash } from 'node:crypto';
import type { CheckpointArray, CheckpointFile } from './checkpoint';
import type { CheckpointError } from './checkpoint-error';

const MAGIC = Buffer.from('LTSCKPT\x01', 'latin1');

interface HeaderV1 {
  format: string;
  version: number;
  meta: unknown;
  arrays: { group: string; name: string; dtype: 'float32' | 'int32'; shape: number[]; offset: number; length: number }[];
  payloadBytes: number;
  sha256: string;
}

/** Whether the bytes start like a version 1 checkpoint. */
export function isCheckpointV1(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && MAGIC.equals(bytes.subarray(0, 8));
}

/** Decodes a version 1 checkpoint; `bad(what)` makes the error for a damaged one. */
export function decodeCheckpointV1<M>(bytes: Uint8Array, bad: (what: string) => CheckpointError): CheckpointFile<M> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12) throw bad('truncated header');
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw bad('truncated header');
  let header: HeaderV1;
  try {
    header = JSON.parse(buf.subarray(12, 12 + hlen).toString('utf8')) as HeaderV1;
  } catch {
    throw bad('unreadable header');
  }
  if (header?.format !== 'lasagne-ts-checkpoint' || !Array.isArray(header.arrays)) throw bad('unknown header');
  if (header.version !== 1) throw bad(`version ${header.version} in a version 1 container`);
  const payload = buf.subarray(12 + hlen);
  if (payload.length !== header.payloadBytes) throw bad(`payload of ${payload.length} bytes, expected ${header.payloadBytes}`);
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) throw bad('checksum mismatch: the data changed after it was written');
  const arrays = header.arrays.map((a): CheckpointArray => {
    const copy = Uint8Array.from(payload.subarray(a.offset, a.offset + a.length));
    const data = a.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    if (data.length !== a.shape.reduce((x, y) => x * y, 1)) throw bad(`array '${a.name}' has the wrong size`);
    return { group: a.group, name: a.name, dtype: a.dtype, shape: a.shape, data };
  });
  return { meta: header.meta as M, arrays };
}
