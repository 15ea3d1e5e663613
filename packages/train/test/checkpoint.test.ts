import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { CheckpointError, checkpointPath, decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointFile } from '../src/checkpoint';
import { tempDir } from './helpers';

const sample: CheckpointFile = {
  meta: { epoch: 3, history: [{ loss: 0.1 + 0.2 }], seed: 4294967295 },
  arrays: [
    { group: 'param', name: 'W', dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, NaN, Infinity]) },
    { group: 'rng', name: 's', dtype: 'int32', shape: [2], data: Int32Array.from([-2147483648, 7]) },
    { group: 'optimizer', name: 'empty', dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
  ],
};

describe('checkpoint file', () => {
  it('round-trips metadata and arrays exactly', () => {
    const back = decodeCheckpoint(encodeCheckpoint(sample));
    expect(back.meta).toEqual(sample.meta);
    expect(back.arrays.map((a) => [a.group, a.name, a.dtype, a.shape])).toEqual(sample.arrays.map((a) => [a.group, a.name, a.dtype, a.shape]));
    back.arrays.forEach((a, i) => expect(Array.from(a.data)).toEqual(Array.from(sample.arrays[i].data)));
    expect(back.arrays[0].data).toBeInstanceOf(Float32Array);
    expect(back.arrays[1].data).toBeInstanceOf(Int32Array);
  });
  it('writes atomically into a directory and reads back; none there is undefined', () => {
    const t = tempDir();
    try {
      expect(readCheckpoint(t.dir)).toBeUndefined();
      writeCheckpoint(t.dir, sample);
      writeCheckpoint(t.dir, { ...sample, meta: { epoch: 4 } });
      expect(readdirSync(t.dir)).toEqual(['mnist-train.ckpt']);
      expect(readCheckpoint(t.dir)?.meta).toEqual({ epoch: 4 });
    } finally {
      t.cleanup();
    }
  });
  it.each([
    ['bad magic', (b: Buffer) => Buffer.concat([Buffer.from('garbage!'), b.subarray(8)]), /wrong magic/],
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 3), /payload/],
    ['flipped payload byte', (b: Buffer) => { const c = Buffer.from(b); c[c.length - 10] ^= 0xff; return c; }, /checksum/],
    ['header cut', (b: Buffer) => b.subarray(0, 20), /truncated header/],
    ['empty', () => Buffer.alloc(0), /wrong magic/],
  ])('rejects a damaged file (%s) with a one-line CheckpointError', (_name, damage, re) => {
    const t = tempDir();
    try {
      writeFileSync(checkpointPath(t.dir), damage(encodeCheckpoint(sample)));
      let err: unknown;
      try {
        readCheckpoint(t.dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).toContain(checkpointPath(t.dir));
      expect((err as Error).message).not.toContain('\n');
    } finally {
      t.cleanup();
    }
  });
  it('keeps the old checkpoint when writing fails', () => {
    const t = tempDir();
    try {
      writeCheckpoint(t.dir, sample);
      const before = readFileSync(checkpointPath(t.dir));
      const bad = { meta: {}, arrays: [{ group: 'x', name: 'bad', dtype: 'float32' as const, shape: [5], data: new Float32Array(2) }] };
      expect(() => writeCheckpoint(t.dir, bad)).toThrow(CheckpointError);
      expect(readFileSync(checkpointPath(t.dir)).equals(before)).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});
