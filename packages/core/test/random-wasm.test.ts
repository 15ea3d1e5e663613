/**
 * Dropout masks drawn by generated WebAssembly (random-wasm.ts) on both in-process backends:
 * the same decisions as the plain generator, `mulberry32(seed)() < p`, for every size (the SIMD
 * part and the one-at-a-time tail), seed and probability; and a compiled dropout draws the masks
 * it drew before.
 */
import * as L from '@lasagne-ts/core';
import { bernoulliTensor } from '../src/random-wasm';

describe.each(['cpu', 'wasm'])('Bernoulli masks in WebAssembly on the %s backend', (backend) => {
  beforeAll(async () => {
    await L.setBackend(backend);
  });
  afterAll(async () => {
    await L.setBackend('cpu');
  });

  it('make the same decisions as mulberry32() < p', () => {
    for (const p of [0, 1e-9, 0.2, 0.5, 0.8, 1 - 1e-9]) {
      for (const seed of [0, 7, -5, 0x7fffffff, 0xdeadbeef | 0]) {
        for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 1001]) {
          const rnd = L.mulberry32(seed);
          const expected = Array.from({ length: n }, () => (rnd() < p ? 1 : 0));
          const t = bernoulliTensor(backend, [n], seed, p)!;
          expect(t.dtype).toBe('float32');
          expect(Array.from(t.dataSync())).toEqual(expected);
          t.dispose();
        }
      }
    }
  });

  it('leave p = 1, empty shapes and other backends to the plain sampler', () => {
    expect(bernoulliTensor(backend, [4], 1, 1)).toBeUndefined();
    expect(bernoulliTensor(backend, [0, 3], 1, 0.5)).toBeUndefined();
    expect(bernoulliTensor('webgl', [4], 1, 0.5)).toBeUndefined();
  });

  it("the Random op's mask on this backend is the plain sampler's (the same op performed as on a backend without host memory)", () => {
    const s = new L.RandomStreams(42);
    const m = s.binomial([37, 5], { p: 0.3, dtype: 'float32' });
    const op = m.owner!.op;
    for (const counter of [0, 1, 2]) {
      const host = [new L.HostTensor(Int32Array.from([42, counter]), [2], 'int32'), new L.HostTensor(Int32Array.from([37, 5]), [2], 'int32')];
      const [, viaKernel] = op.perform([], { backend, host }) as L.Tensor[];
      const [, plain] = op.perform([], { backend: 'webgl', host }) as L.Tensor[];
      expect(viaKernel.shape).toEqual([37, 5]);
      expect(Array.from(viaKernel.dataSync())).toEqual(Array.from(plain.dataSync()));
      L.tf.dispose([viaKernel, plain]);
    }
  });
});
