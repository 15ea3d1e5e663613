import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/data';

/** IDX bytes built by hand from the spec (independently of writeIdx): 0 0 type ndims, big-endian u32 dims, data. */
export function handIdx(dims: number[], data: ArrayLike<number>, typeCode = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[0] = 0;
  header[1] = 0;
  header[2] = typeCode;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Array.from(data))]);
}

/** A fresh temp directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'lasagne-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface HandMnist {
  trainImages?: Buffer;
  trainLabels?: Buffer;
  testImages?: Buffer;
  testLabels?: Buffer;
}

const NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Image bytes for `n` 28x28 images where image k, pixel p holds (k * 37 + p) % 256. */
export function patternImages(n: number, rows = 28, cols = 28): Uint8Array {
  const out = new Uint8Array(n * rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = (Math.floor(i / (rows * cols)) * 37 + (i % (rows * cols))) % 256;
  return out;
}

/** A valid small MNIST directory (5 train, 3 test images), with any file replaced or omitted (null). */
export function writeHandMnist(dir: string, overrides: { [K in keyof HandMnist]?: Buffer | null } = {}, gz = false): void {
  mkdirSync(dir, { recursive: true });
  const files: Record<keyof HandMnist, Buffer> = {
    trainImages: handIdx([5, 28, 28], patternImages(5)),
    trainLabels: handIdx([5], [3, 1, 4, 1, 5]),
    testImages: handIdx([3, 28, 28], patternImages(3)),
    testLabels: handIdx([3], [9, 2, 6]),
  };
  for (const key of Object.keys(NAMES) as (keyof HandMnist)[]) {
    const content = key in overrides ? overrides[key] : files[key];
    if (content === null || content === undefined) continue;
    writeFileSync(join(dir, NAMES[key] + (gz ? '.gz' : '')), gz ? gzipSync(content) : content);
  }
}

export { NAMES as MNIST_NAMES };

/** Runs `fn` and returns the DataError it throws; fails otherwise. */
export function catchError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}

export async function catchErrorAsync(fn: () => Promise<unknown>): Promise<DataError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}
