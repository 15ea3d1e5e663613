/**
 * Dropout masks drawn by generated WebAssembly (random-wasm.ts) on both in-process backends:
 * the same decisions as the plain generator, `mulberry32(seed)() < p`, for every size (the SIMD
 * part and the one-at-a-time tail), seed and probability; and a compiled dropout draws the masks
 * it drew before.
 */
import * as L from '@lasagne-ts/core';
import { withLowering } from '../src/lowering/registry';
import { RandomOp } from '../src/random';
import { bernoulliTensor } from '../src/random-wasm';
import { describeNotOnWebgpu, onBackend } from './calls';

/** WebAssembly draws into the tensors' memory: the file selects cpu and wasm itself. */
const describeInProcess = describeNotOnWebgpu('wasm-bernoulli draws into in-process memory (cpu, wasm); this file selects those backends itself');

describeInProcess.each(['cpu', 'wasm'])('Bernoulli masks in WebAssembly on the %s backend', (backend) => {
  onBackend(backend);

  it('make the same decisions as mulberry32() < p', () => {
    for (const p of [0, 1e-9, 0.2, 0.5, 0.8, 1 - 1e-9]) {
      for (const seed of [0, 7, -5, 0x7fffffff, 0xdeadbeef | 0]) {
        for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 1001]) {
          const rnd = L.mulberry32(seed);
          const expected = Array.from({ length: n }, () => (rnd() < p ? 1 : 0));
          const t = bernoulliTensor([n], seed, p)!;
          expect(t.dtype).toBe('float32');
          expect(Array.from(t.dataSync())).toEqual(expected);
          t.dispose();
        }
      }
    }
  });

  it('leave p = 1 and empty shapes to the plain sampler', () => {
    expect(bernoulliTensor([4], 1, 1)).toBeUndefined();
    expect(bernoulliTensor([0, 3], 1, 0.5)).toBeUndefined();
  });

  it("a compiled dropout draw picks the 'wasm-bernoulli' lowering here and gives the plain sampler's masks, call after call", () => {
    const draws = (name?: string) => {
      const mask = new L.RandomStreams(42).binomial([37, 5], { p: 0.3, dtype: 'float32' });
      const run = () => {
        const fn = L.compile([], mask, { profile: true });
        const out = [0, 1, 2].map(() => Array.from((fn() as L.HostTensor).data));
        return { out, impl: fn.profile().nodes.find((n) => n.op === 'Random')?.impl };
      };
      return name ? withLowering(RandomOp, name, run) : run();
    };
    const chosen = draws();
    expect(chosen.impl).toBe('wasm-bernoulli');
    const plain = draws('js-sampler');
    expect(chosen.out).toEqual(plain.out);
    expect(chosen.out[1]).not.toEqual(chosen.out[0]);
  });
});
