/**
 * The asynchronous path (`fn.async`), on the backend jest runs (cpu by default; CI runs this file
 * a second time on webgpu, on a software adapter): values against hand-computed references, the
 * shapes tfjs-backend-webgpu gets wrong, empty batches, and the synchronous call's typed error.
 */
import { argmax, compile, getBackend, ivector, matrix, prod, ready, RandomStreams, shared, ShapeError, SyncCallError, vector, type HostTensor } from '@lasagne-ts/core';

beforeAll(async () => {
  await ready();
});

describe('fn.async', () => {
  it('gives the values and updates of a synchronous call', async () => {
    const x = vector('x');
    const acc = shared(Float32Array.from([1, 2]), { name: 'acc' });
    const f = compile([x], x.mul(acc).sum(), { updates: [[acc, acc.add(x)]] });
    expect(await f.async([3, 4])).toBe(3 + 8);
    expect(await f.async([1, 1])).toBe(4 + 6); // acc = [4, 6] after the first call
    expect(Array.from((await acc.read()).data)).toEqual([5, 7]);
  });

  it('runs calls in the order they were made', async () => {
    const c = shared(0, { name: 'count', dtype: 'int32' });
    const f = compile([], c, { updates: [[c, c.add(1)]] });
    const outs = await Promise.all([f.async(), f.async(), f.async()]);
    expect(outs).toEqual([0, 1, 2]);
  });

  it('prod with keepdims keeps the axis and argmax of a vector is a scalar (tfjs-backend-webgpu gets both shapes wrong)', async () => {
    const m = matrix('m');
    const v = vector('v');
    const f = compile([m, v], [prod(m, { axis: 1, keepdims: true }), argmax(v, 0)]);
    const [p, a] = (await f.async([[1, 2], [3, 4]], [1, 5, 2])) as [HostTensor, number];
    expect(p.shape).toEqual([2, 1]);
    expect(Array.from(p.data)).toEqual([2, 12]);
    expect(a).toBe(1);
  });

  it('an empty batch gives empty outputs and zero sums', async () => {
    const m = matrix('m');
    const W = shared(Float32Array.from([1, 2, 3, 4, 5, 6]), { name: 'W', shape: [2, 3] });
    const f = compile([m], [m.dot(W), m.dot(W).sum(0)]);
    const [y, s] = (await f.async({ data: new Float32Array(0), shape: [0, 2] })) as HostTensor[];
    expect(y.shape).toEqual([0, 3]);
    expect(Array.from(s.data)).toEqual([0, 0, 0]);
  });

  it('indices out of bounds are a ShapeError (never a silent zero)', async () => {
    const v = vector('v');
    const i = ivector('i');
    const f = compile([v, i], v.take(i));
    expect(Array.from(((await f.async([1, 2, 3], [-1, 0])) as HostTensor).data)).toEqual([3, 1]);
    await expect(f.async([1, 2, 3], [3])).rejects.toThrow(ShapeError);
  });

  it('random draws advance their state on the host and are the same on every backend', async () => {
    const r = new RandomStreams(5);
    const x = vector('x');
    const f = compile([x], r.binomial([4], { p: 0.5, dtype: 'float32' }).mul(x));
    const a = (await f.async([1, 2, 3, 4])) as HostTensor;
    const b = (await f.async([1, 2, 3, 4])) as HostTensor;
    // mulberry32 masks drawn on the host (fixed by the seed, the same on cpu and webgpu)
    for (const o of [a, b]) expect(Array.from(o.data).every((v, k) => v === 0 || v === k + 1)).toBe(true);
    expect(Array.from(r.stateVariables[0].get().data)[1]).toBe(2); // two draws, read without the device
  });

  it('the synchronous call raises SyncCallError exactly on backends that read asynchronously', async () => {
    const x = vector('x');
    const f = compile([x], x.sum());
    if (getBackend() === 'webgpu') {
      expect(() => f([1, 2])).toThrow(SyncCallError);
      expect(() => f([1, 2])).toThrow(/await fn\.async/);
    } else {
      expect(f([1, 2])).toBe(3);
    }
    expect(await f.async([1, 2])).toBe(3);
  });
});
