/**
 * The asynchronous path (`fn.async`), on the backend jest runs (cpu by default; CI runs this file
 * a second time on webgpu, on a software adapter): values against hand-computed references, the
 * shapes tfjs-backend-webgpu gets wrong, empty batches, and the synchronous call's typed error.
 */
import { abs, argmax, pow, sqrt, sub, compile, concatenate, constant, getBackend, gt, ivector, matrix, max, mod, neg, prod, ready, RandomStreams, setBackend, shared, ShapeError, sum, SyncCallError, slice, take, tf, vector, where, type HostTensor } from '@lasagne-ts/core';
import { itNotOnWebgpu } from './calls';

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

  /** int32 kernels with operands on the device, against exact JS integer arithmetic; returns fn.hostReads. */
  async function int32Results(): Promise<number> {
    const big = [2 ** 24 + 1, -(2 ** 24 + 3), 2 ** 30 + 7, 5, -(2 ** 31) + 9];
    const i = ivector('i');
    const f = compile([i], [sum(i), max(i), abs(i), neg(i), mod(i, 7), where(gt(i, 0), i, 3), i.at(slice(1, 4)), concatenate([i, i]), take(i, constant([4, 0], { dtype: 'int32' })), sum(i.add(1))]);
    const arg = tf.tensor1d(big, 'int32'); // a device value, as a tensor argument is
    const outs = (await f.async(arg)) as (number | HostTensor)[];
    arg.dispose();
    const flat = (o: number | HostTensor) => (typeof o === 'number' ? [o] : Array.from(o.data));
    const want = [
      [big.reduce((a, b) => (a + b) | 0, 0)],
      [Math.max(...big)],
      big.map((v) => Math.abs(v)),
      big.map((v) => -v),
      big.map((v) => ((v % 7) + 7) % 7),
      big.map((v) => (v > 0 ? v : 3)),
      big.slice(1, 4),
      [...big, ...big],
      [big[4], big[0]],
      [big.reduce((a, b) => (a + b + 1) | 0, 0)],
    ];
    outs.forEach((o, k) => expect(flat(o)).toEqual(want[k]));
    return f.hostReads;
  }

  it('int32 results are exact above 2^24 with the operands on the device (webgpu and wasm compute some int32 kernels through float32: such nodes run on the host)', async () => {
    const reads = await int32Results();
    // What it costs there: the device operands are read once per such node.
    expect(reads > 0).toBe(getBackend() === 'webgpu');
  });

  itNotOnWebgpu('this pass selects webgpu; the cpu pass covers wasm')('the same on wasm (where neg, abs, floorDiv and clip round int32)', async () => {
    const before = getBackend()!;
    await setBackend('wasm');
    try {
      expect(await int32Results()).toBeGreaterThan(0);
    } finally {
      await setBackend(before);
    }
  });

  it("scalars computed from host values run on the host, correctly rounded (adam's 1 - beta2^t; WGSL's pow is a few ulps off)", async () => {
    const t = shared(0, { name: 't', dtype: 'float32' });
    const lr = shared(0.05, { name: 'lr', dtype: 'float32' });
    const tNext = t.add(1);
    const f = compile([], lr.mul(sqrt(sub(1, pow(0.999, tNext)))).div(sub(1, pow(0.9, tNext))), { updates: [[t, tNext]] });
    const f32 = Math.fround;
    for (let k = 1; k <= 5; k++) {
      const want = f32(f32(f32(0.05) * f32(Math.sqrt(f32(1 - f32(Math.pow(f32(0.999), k)))))) / f32(1 - f32(Math.pow(f32(0.9), k))));
      expect(await f.async()).toBe(want);
    }
    expect(f.hostReads).toBe(0);
  });

  it("a float shared variable's value given on the host reads with get() on every backend until a device update replaces it", async () => {
    const W = shared(Float32Array.from([1, 2]), { name: 'W' });
    expect(Array.from(W.get().data)).toEqual([1, 2]);
    W.set([3, 4]);
    expect(Array.from(W.get().data)).toEqual([3, 4]);
    const x = vector('x');
    const f = compile([x], x.mul(W).sum(), { updates: [[W, W.mul(2)]] });
    expect(await f.async([1, 1])).toBe(7);
    if (getBackend() === 'webgpu') expect(() => W.get()).toThrow(SyncCallError);
    else expect(Array.from(W.get().data)).toEqual([6, 8]);
    expect(Array.from((await W.read()).data)).toEqual([6, 8]);
    await W.cacheOnHost();
    expect(Array.from(W.get().data)).toEqual([6, 8]);
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
