import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { decodeSafetensors, encodeSafetensors, safetensorsMetadata } from '@lasagne-ts/layers';
import { HostTensor } from '@lasagne-ts/core';
import { CheckpointError, checkpointPath, decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointFile } from '../src/checkpoint';
import { encodeCheckpointV1, tempDir } from './helpers';

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
  it('is a safetensors file: the arrays as named tensors, the rest in __metadata__', () => {
    const bytes = encodeCheckpoint(sample);
    const tensors = decodeSafetensors(bytes);
    expect([...tensors.keys()]).toEqual(['W', 's', 'empty']);
    expect(Array.from(tensors.get('s')!.data)).toEqual([-2147483648, 7]);
    const m = safetensorsMetadata(bytes)!;
    expect(m.format).toBe('lasagne-ts-checkpoint');
    expect(m.version).toBe('2');
    expect(JSON.parse(m.meta)).toEqual(sample.meta);
    expect(JSON.parse(m.arrays)).toEqual([['W', 'param'], ['s', 'rng'], ['empty', 'optimizer']]);
    // The checksum is SHA-256 of the data section (after the 8-byte length and the header).
    const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
    expect(m.sha256).toBe(createHash('sha256').update(bytes.subarray(8 + n)).digest('hex'));
    expect(bytes.length - 8 - n).toBe(6 * 4 + 2 * 4);
  });
  it('keeps the order of the arrays, integer-like names included', () => {
    const ckpt: CheckpointFile = { meta: null, arrays: [{ group: 'a', name: 'b', dtype: 'float32', shape: [1], data: Float32Array.of(1) }, { group: 'a', name: '0', dtype: 'int32', shape: [], data: Int32Array.of(5) }] };
    expect(decodeCheckpoint(encodeCheckpoint(ckpt)).arrays.map((a) => a.name)).toEqual(['b', '0']);
  });
  it('refuses two arrays of the same name', () => {
    const dup = { meta: {}, arrays: [sample.arrays[0], { ...sample.arrays[0] }] };
    expect(() => encodeCheckpoint(dup)).toThrow(/'W' appears twice/);
  });
  const flipLast = (b: Uint8Array) => {
    const c = Uint8Array.from(b);
    c[c.length - 10] ^= 0xff;
    return c;
  };
  it.each([
    ['flipped data byte', flipLast, /checksum mismatch/],
    ['truncated', (b: Uint8Array) => b.subarray(0, b.length - 3), /data section|exceeds|belong to no tensor/],
    ['header cut', (b: Uint8Array) => b.subarray(0, 20), /header length .* exceeds the file/],
    ['empty', () => new Uint8Array(0), /truncated file/],
    ['not JSON', () => Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{{{{')]), /not valid JSON/],
    ['a safetensors file of something else', () => encodeSafetensors(new Map([['w', new HostTensor(Float32Array.of(1), [1], 'float32')]])), /without lasagne-ts checkpoint metadata/],
    ['a damaged version 1 file', () => Buffer.from('LTSCKPT\x01 garbage', 'latin1'), /truncated header/],
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
      expect((err as Error).message).toContain(`${checkpointPath(t.dir)}: not a usable lasagne-ts checkpoint`);
      expect((err as Error).message).toMatch(/delete it .* to start over\.$/);
      expect((err as Error).message).not.toContain('\n');
    } finally {
      t.cleanup();
    }
  });
  it('still reads a version 1 checkpoint (the LTSCKPT container of earlier versions)', () => {
    const v1 = encodeCheckpointV1({
      meta: { epoch: 2, kind: 'mnist-train' },
      arrays: [
        { group: 'param', name: 'param0:W', dtype: 'float32', shape: [3], data: Float32Array.from([1, -2, 3.5]) },
        { group: 'rng', name: 'rng1:', dtype: 'int32', shape: [2], data: Int32Array.from([-7, 9]) },
      ],
    });
    expect(v1.subarray(0, 8).toString('latin1')).toBe('LTSCKPT\x01');
    const back = decodeCheckpoint<{ epoch: number }>(v1);
    expect(back.meta).toEqual({ epoch: 2, kind: 'mnist-train' });
    expect(back.arrays.map((a) => [a.group, a.name, a.dtype, a.shape, Array.from(a.data)])).toEqual([
      ['param', 'param0:W', 'float32', [3], [1, -2, 3.5]],
      ['rng', 'rng1:', 'int32', [2], [-7, 9]],
    ]);
    const damaged = Buffer.from(v1);
    damaged[damaged.length - 1] ^= 1;
    expect(() => decodeCheckpoint(damaged, 'old.ckpt')).toThrow(/^old\.ckpt: not a usable lasagne-ts checkpoint \(checksum mismatch/);
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
