import { mulberry32 } from '@lasagne-ts/core';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckpointFile, DataSplit, TrainData } from '../src';

/** A fresh temp directory and its cleanup. */
export function tempDir(prefix = 'lasagne-train-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `count` learnable items of `shape` (a [1, h, w] image or a flat [d] vector): noise in [0, 0.25),
 * brightened to [0.75, 1) over the tenth of the item fixed by the label (10 classes, balanced).
 */
export function syntheticSplit(count: number, shape: number[], seed: number): DataSplit {
  const rng = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const images = new Float32Array(count * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 10;
    for (let p = 0; p < size; p++) images[i * size + p] = rng() / 4;
    const from = Math.floor((labels[i] * size) / 10);
    const to = Math.floor(((labels[i] + 1) * size) / 10);
    for (let p = from; p < to; p++) images[i * size + p] += 0.75;
  }
  return { images, labels, count, shape };
}

/** Train 200, validation 100, test 100 items of `shape`. */
export function syntheticData(shape: number[]): TrainData {
  return { train: syntheticSplit(200, shape, 1), val: syntheticSplit(100, shape, 2), test: syntheticSplit(100, shape, 3) };
}

/**
 * A version 1 checkpoint (the `LTSCKPT` container lasagne-ts wrote before checkpoints became
 * safetensors), laid out byte by byte as that encoder did: the 8-byte magic, a u32 LE header
 * length, the JSON header (array table, payload SHA-256), then the arrays' bytes.
 */
export function encodeCheckpointV1(ckpt: CheckpointFile): Buffer {
  let offset = 0;
  const table = ckpt.arrays.map((a) => {
    const entry = { group: a.group, name: a.name, dtype: a.dtype, shape: a.shape, offset, length: a.data.byteLength };
    offset += a.data.byteLength;
    return entry;
  });
  const payload = Buffer.concat(ckpt.arrays.map((a) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)));
  const header = { format: 'lasagne-ts-checkpoint', version: 1, meta: ckpt.meta, arrays: table, payloadBytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  return Buffer.concat([Buffer.from('LTSCKPT\x01', 'latin1'), len, json, payload]);
}
