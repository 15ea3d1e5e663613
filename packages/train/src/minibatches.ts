import type { Rng } from '@lasagne-ts/core';

/** In-place Fisher–Yates shuffle driven by `rng`. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(a: T, rng: Rng): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** The inputs side of a data set: `count` items of shape `shape`, packed in `images`. */
export interface BatchInputs {
  images: Float32Array;
  count: number;
  shape: readonly number[];
}

export interface Minibatch {
  /** `size` items packed row-major, each of the inputs' `shape`. */
  inputs: Float32Array;
  targets: Int32Array;
  size: number;
}

/**
 * Lasagne mnist.py's `iterate_minibatches`: yields consecutive batches of exactly
 * `batchSize` items, dropping the last incomplete one
 * (`range(0, len(inputs) - batchsize + 1, batchsize)`). With `shuffle`, items are taken in
 * the order of a Fisher–Yates permutation drawn from `rng` (default Math.random; core's
 * `mulberry32(seed)` is a seeded one) and copied; without it, batches are views (no copy),
 * as numpy slices are.
 */
export function* iterateMinibatches(
  inputs: BatchInputs,
  targets: Int32Array,
  batchSize: number,
  shuffle: boolean,
  rng: Rng = Math.random,
): Generator<Minibatch, void, undefined> {
  const { images, count } = inputs;
  const itemSize = inputs.shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`iterateMinibatches: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (images.length !== count * itemSize) {
    throw new RangeError(`iterateMinibatches: images has ${images.length} values, expected count ${count} x ${itemSize}`);
  }
  if (targets.length !== count) {
    throw new RangeError(`iterateMinibatches: ${targets.length} targets for ${count} inputs`);
  }
  const order = shuffle ? shuffleInPlace(Int32Array.from({ length: count }, (_, i) => i), rng) : null;
  for (let start = 0; start + batchSize <= count; start += batchSize) {
    if (!order) {
      yield {
        inputs: images.subarray(start * itemSize, (start + batchSize) * itemSize),
        targets: targets.subarray(start, start + batchSize),
        size: batchSize,
      };
      continue;
    }
    const x = new Float32Array(batchSize * itemSize);
    const y = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      const i = order[start + b];
      x.set(images.subarray(i * itemSize, (i + 1) * itemSize), b * itemSize);
      y[b] = targets[i];
    }
    yield { inputs: x, targets: y, size: batchSize };
  }
}

/** Number of full batches `iterateMinibatches` yields for `count` items. */
export function batchCount(count: number, batchSize: number): number {
  return Math.max(0, Math.floor(count / batchSize));
}
