import { mulberry32 } from '@lasagne-ts/core';
import { batchCount, iterateMinibatches, shuffleInPlace } from '../src';

/** 10 items of shape [1, 2, 2]; item i holds i*10 + (0..3). */
function dataset(count = 10) {
  const images = Float32Array.from({ length: count * 4 }, (_, j) => Math.floor(j / 4) * 10 + (j % 4));
  const targets = Int32Array.from({ length: count }, (_, i) => i);
  return { inputs: { images, count, shape: [1, 2, 2] as [number, number, number] }, targets };
}

describe('iterateMinibatches', () => {
  test('yields full batches in order and drops the last partial one', () => {
    const { inputs, targets } = dataset(10);
    const batches = [...iterateMinibatches(inputs, targets, 3, false)];
    expect(batches.length).toBe(3); // range(0, 10 - 3 + 1, 3) = 0, 3, 6
    expect(batchCount(10, 3)).toBe(3);
    expect(batches.map((b) => b.size)).toEqual([3, 3, 3]);
    expect(batches.map((b) => Array.from(b.targets))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    expect(Array.from(batches[1].inputs)).toEqual([30, 31, 32, 33, 40, 41, 42, 43, 50, 51, 52, 53]);
  });

  test('exact multiple keeps every item; too few items yields nothing', () => {
    const { inputs, targets } = dataset(10);
    expect([...iterateMinibatches(inputs, targets, 5, false)].length).toBe(2);
    expect([...iterateMinibatches(inputs, targets, 11, false)].length).toBe(0);
    expect([...iterateMinibatches(inputs, targets, 10, true, mulberry32(1))].length).toBe(1);
  });

  test('shuffle with a seeded rng is a reproducible permutation, inputs kept with targets', () => {
    const { inputs, targets } = dataset(10);
    const run = (seed: number) => [...iterateMinibatches(inputs, targets, 2, true, mulberry32(seed))];
    const a = run(42);
    const order = a.flatMap((b) => Array.from(b.targets));
    expect([...order].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(run(42).flatMap((b) => Array.from(b.targets))).toEqual(order);
    expect(run(43).flatMap((b) => Array.from(b.targets))).not.toEqual(order);
    for (const b of a) {
      for (let k = 0; k < b.size; k++) {
        expect(Array.from(b.inputs.subarray(k * 4, k * 4 + 4))).toEqual([0, 1, 2, 3].map((p) => b.targets[k] * 10 + p));
      }
    }
  });

  test('shuffled with a partial batch: drops items of the permutation, not the dataset tail', () => {
    const { inputs, targets } = dataset(7);
    const got = [...iterateMinibatches(inputs, targets, 3, true, mulberry32(5))].flatMap((b) => Array.from(b.targets));
    expect(got.length).toBe(6);
    expect(new Set(got).size).toBe(6);
  });

  test('shuffleInPlace is a Fisher–Yates permutation (rng 0 always picks the first item)', () => {
    // j = floor(0 * (i + 1)) = 0 at every step: the first item moves to the end, the rest rotate.
    expect(Array.from(shuffleInPlace(Int32Array.from([0, 1, 2, 3]), () => 0))).toEqual([1, 2, 3, 0]);
    // rng just under 1 picks j = i: nothing moves.
    expect(Array.from(shuffleInPlace(Int32Array.from([0, 1, 2, 3]), () => 0.999999))).toEqual([0, 1, 2, 3]);
  });

  test('rejects bad arguments', () => {
    const { inputs, targets } = dataset(4);
    expect(() => [...iterateMinibatches(inputs, targets, 0, false)]).toThrow(RangeError);
    expect(() => [...iterateMinibatches(inputs, targets.subarray(1), 2, false)]).toThrow(/3 targets for 4 inputs/);
  });
});
