/** DropoutLayer / GaussianNoiseLayer: statistics, rescaling, shared axes, determinism and seeding. */
import { compile, HostTensor, imatrix, matrix, setSeed, shared, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { call } from '../../core/test/calls';

const ones = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape });

function dropoutFn(opts: L.DropoutLayerOptions, shape: (number | null)[] = [null, 100]) {
  const x = matrix('x');
  const l = new L.DropoutLayer(new L.InputLayer(shape, { inputVar: x }), opts);
  return { fn: compile([x], L.getOutput(l)), layer: l, x };
}

function values(t: HostTensor): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of t.data) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

describe('DropoutLayer', () => {
  test('p = 0.5 on ones((100,100)): values {0, 2}, mean of the mask ≈ 0.5', async () => {
    const { fn } = dropoutFn({ p: 0.5 });
    const out = await call(fn, ones([100, 100])) as HostTensor;
    const v = values(out);
    expect([...v.keys()].sort()).toEqual([0, 2]);
    const kept = v.get(2)! / 10000;
    expect(Math.abs(kept - 0.5)).toBeLessThan(0.03); // 6 standard deviations
    // The output's mean stays ≈ 1 (rescaling).
    expect(Math.abs((v.get(2)! * 2) / 10000 - 1)).toBeLessThan(0.06);
  });

  test('p = 0.2: values {0, 1.25}, kept fraction ≈ 0.8; rescale = false keeps 1', async () => {
    const out = await call(dropoutFn({ p: 0.2 }).fn, ones([100, 100])) as HostTensor;
    const v = values(out);
    expect([...v.keys()].sort()).toEqual([0, 1.25]);
    expect(Math.abs(v.get(1.25)! / 10000 - 0.8)).toBeLessThan(0.025);
    const raw = await call(dropoutFn({ p: 0.2, rescale: false }).fn, ones([100, 100])) as HostTensor;
    expect([...values(raw).keys()].sort()).toEqual([0, 1]);
  });

  test('rescale = false keeps an int32 input int32 (the mask takes the input dtype); rescaling makes it float32', async () => {
    const x = imatrix('x');
    const input = new L.InputLayer([null, 50], { inputVar: x });
    const raw = L.getOutput(new L.DropoutLayer(input, { p: 0.3, rescale: false }));
    expect(raw.dtype).toBe('int32');
    expect(L.getOutput(new L.DropoutLayer(input, { p: 0.3 })).dtype).toBe('float32');
    const out = await call(compile([x], raw), { data: new Int32Array(200).fill(7), shape: [4, 50] }) as HostTensor;
    expect(out.dtype).toBe('int32');
    expect([...values(out).keys()].sort()).toEqual([0, 7]);
    const p = shared(0.3, { name: 'p' });
    expect(L.getOutput(new L.DropoutLayer(input, { p, rescale: false })).dtype).toBe('int32');
  });

  test('a fresh mask on every call, reproducible from the global seed', async () => {
    const masks = async (seed: number) => {
      setSeed(seed);
      const { fn } = dropoutFn({ p: 0.5 });
      return [await call(fn, ones([10, 100])) as HostTensor, await call(fn, ones([10, 100])) as HostTensor].map((t) => Array.from(t.data));
    };
    const [a1, a2] = await masks(7);
    const [b1, b2] = await masks(7);
    const [c1] = await masks(8);
    expect(a1).not.toEqual(a2);
    expect(a1).toEqual(b1);
    expect(a2).toEqual(b2);
    expect(a1).not.toEqual(c1);
  });

  test('deterministic, or p = 0: the identity (the input expression itself)', () => {
    const x = matrix('x');
    const inp = new L.InputLayer([null, 100], { inputVar: x });
    expect(L.getOutput(new L.DropoutLayer(inp, { p: 0.5 }), { deterministic: true })).toBe(x);
    expect(L.getOutput(new L.DropoutLayer(inp, { p: 0 }))).toBe(x);
    expect(L.getOutput(L.dropout(inp, { p: 0.5 }))).not.toBe(x);
  });

  test('sharedAxes: the mask is constant along the shared axes (static size 1, broadcast)', async () => {
    const x = tensor4('x');
    const l = L.dropout(new L.InputLayer([null, 8, 5, 6], { inputVar: x }), { p: 0.5, sharedAxes: [2, 3] });
    const out = await call(compile([x], L.getOutput(l)), ones([4, 8, 5, 6])) as HostTensor;
    let dropped = 0;
    for (let m = 0; m < 32; m++) {
      const block = out.data.slice(m * 30, m * 30 + 30);
      expect(new Set(block).size).toBe(1);
      if (block[0] === 0) dropped++;
      else expect(block[0]).toBe(2);
    }
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(32);
    // Negative shared axes, dropoutChannels / dropoutLocations shortcuts.
    expect(L.dropout(new L.InputLayer([null, 8, 5, 6]), { sharedAxes: [-1, -2] }).sharedAxes).toEqual([3, 2]);
    expect(L.dropoutChannels(new L.InputLayer([null, 8, 5, 6])).sharedAxes).toEqual([2, 3]);
    expect(L.spatialDropout(new L.InputLayer([null, 8, 5, 6])).sharedAxes).toEqual([2, 3]);
    expect(L.dropoutLocations(new L.InputLayer([null, 8, 5, 6])).sharedAxes).toEqual([1]);
    const loc = await call(compile([x], L.getOutput(L.dropoutLocations(new L.InputLayer([null, 8, 5, 6], { inputVar: x })))), ones([2, 8, 5, 6])) as HostTensor;
    for (let pos = 0; pos < 30; pos++) {
      const across = Array.from({ length: 8 }, (_, c) => loc.data[c * 30 + pos]);
      expect(new Set(across).size).toBe(1);
    }
  });

  test('unknown batch size: the mask takes the run-time shape', async () => {
    const { fn } = dropoutFn({ p: 0.5 }, [null, null]);
    expect((await call(fn, ones([3, 7])) as HostTensor).shape).toEqual([3, 7]);
    expect((await call(fn, ones([5, 2])) as HostTensor).shape).toEqual([5, 2]);
  });

  test('a symbolic p (e.g. a shared variable annealed during training)', async () => {
    const p = shared(0.25, { name: 'p' });
    const x = matrix('x');
    const l = new L.DropoutLayer(new L.InputLayer([null, 100], { inputVar: x }), { p });
    const fn = compile([x], L.getOutput(l));
    const v = values(await call(fn, ones([100, 100])) as HostTensor);
    expect([...v.keys()].sort()).toEqual([0, Math.fround(1 / 0.75)]);
    expect(Math.abs(v.get(Math.fround(1 / 0.75))! / 10000 - 0.75)).toBeLessThan(0.03);
  });

  test('invalid p', () => {
    expect(() => L.dropout(new L.InputLayer([null, 3]), { p: 1 })).toThrow(/p/);
    expect(() => L.dropout(new L.InputLayer([null, 3]), { p: -0.1 })).toThrow(/p/);
    expect(() => L.dropout(new L.InputLayer([null, 3]), { sharedAxes: [2] })).toThrow(/shared axis 2 is out of range/);
  });
});

describe('GaussianNoiseLayer', () => {
  test('adds Normal(0, sigma) when training; identity when deterministic', async () => {
    const x = matrix('x');
    const l = new L.GaussianNoiseLayer(new L.InputLayer([null, 100], { inputVar: x }), { sigma: 0.5 });
    const out = await call(compile([x], L.getOutput(l)), ones([100, 100])) as HostTensor;
    let m = 0;
    let s = 0;
    for (const v of out.data) m += v / 10000;
    for (const v of out.data) s += (v - m) ** 2 / 10000;
    expect(Math.abs(m - 1)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(s) - 0.5)).toBeLessThan(0.03);
    expect(L.getOutput(l, { deterministic: true })).toBe(x);
    expect(L.getOutput(new L.GaussianNoiseLayer(new L.InputLayer([null, 100], { inputVar: x }), { sigma: 0 }))).toBe(x);
  });
});
