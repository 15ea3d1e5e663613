/** RandomStreams: reproducibility, fresh draws per call, and the distributions' moments. */
import * as L from '@lasagne-ts/core';
import { compile, matrix, RandomStreams } from '@lasagne-ts/core';
import { call, value } from './calls';

const data = (v: L.OutputValue | L.OutputValue[]) => Array.from((v as L.HostTensor).data);
const meanOf = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const stdOf = (a: number[]) => {
  const m = meanOf(a);
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
};

describe('RandomStreams: reproducibility', () => {
  it('the same seed gives the same draws; another seed different ones', async () => {
    const draw = async (seed: number) => {
      const s = new RandomStreams(seed);
      const f = compile([], [s.uniform([50]), s.normal([50])]);
      return [...data((await call(f) as L.HostTensor[])[0]), ...data((await call(f) as L.HostTensor[])[1])];
    };
    expect(await draw(42)).toEqual(await draw(42));
    expect(await draw(42)).not.toEqual(await draw(43));
  });

  it('successive calls of a compiled function draw different values; noDefaultUpdates repeats them', async () => {
    const s = new RandomStreams(7);
    const u = s.uniform([20]);
    const f = compile([], u);
    const a = data(await call(f));
    const b = data(await call(f));
    expect(a).not.toEqual(b);
    const g = compile([], u, { noDefaultUpdates: true });
    expect(data(await call(g))).toEqual(data(await call(g)));
  });

  it('two draws of one stream are different and independent streams of the same seed replay the sequence', async () => {
    const s1 = new RandomStreams(3);
    const s2 = new RandomStreams(3);
    const f1 = compile([], [s1.uniform([10]), s1.uniform([10])]);
    const f2 = compile([], [s2.uniform([10]), s2.uniform([10])]);
    const [a1, b1] = (await call(f1) as L.HostTensor[]).map(data);
    expect(a1).not.toEqual(b1);
    const seq1 = [a1, b1, ...(await call(f1) as L.HostTensor[]).map(data)];
    const seq2 = [...(await call(f2) as L.HostTensor[]).map(data), ...(await call(f2) as L.HostTensor[]).map(data)];
    expect(seq1).toEqual(seq2);
  });

  it('seed() resets every stream', async () => {
    const s = new RandomStreams(11);
    const f = compile([], s.normal([8]));
    const first = data(await call(f));
    await call(f);
    s.seed(11);
    expect(data(await call(f))).toEqual(first);
  });

  it('an unseeded stream derives its seed from setSeed (reproducible runs)', async () => {
    const draw = async () => data(await call(compile([], new RandomStreams().uniform([6]))));
    L.setSeed(77);
    const a = await draw();
    const b = await draw();
    L.setSeed(77);
    expect(await draw()).toEqual(a);
    expect(await draw()).toEqual(b);
    expect(a).not.toEqual(b);
    expect(L.getSeed()).toBe(77);
    L.setSeed(77);
    const r1 = L.nextHostRng();
    L.setSeed(77);
    expect(L.nextHostRng()()).toBe(r1());
  });

  it('stateVariables can be saved and restored to replay draws', async () => {
    const s = new RandomStreams(5);
    const f = compile([], s.uniform([4]));
    await call(f);
    const saved = await Promise.all(s.stateVariables.map((v) => value(v)));
    const next = data(await call(f));
    s.stateVariables.forEach((v, i) => v.set(saved[i]));
    expect(data(await call(f))).toEqual(next);
  });
});

describe('RandomStreams: distributions', () => {
  const N = 20000;

  it('uniform(low, high) stays in [low, high) with mean (low+high)/2 and std (high-low)/sqrt(12)', async () => {
    const s = new RandomStreams(21);
    const v = data(await call(compile([], s.uniform([N], { low: -2, high: 3 }))));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...v)).toBeLessThan(3);
    expect(Math.abs(meanOf(v) - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(stdOf(v) - 5 / Math.sqrt(12))).toBeLessThan(0.03);
    // Default range [0, 1).
    const d = data(await call(compile([], s.uniform([1000]))));
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...d)).toBeLessThan(1);
  });

  it('normal(avg, std) has the requested mean and standard deviation', async () => {
    const s = new RandomStreams(22);
    const v = data(await call(compile([], s.normal([N], { avg: 1.5, std: 0.5 }))));
    expect(Math.abs(meanOf(v) - 1.5)).toBeLessThan(0.02);
    expect(Math.abs(stdOf(v) - 0.5)).toBeLessThan(0.02);
    // An odd size still fills every entry.
    const odd = data(await call(compile([], s.normal([3, 5]))));
    expect(odd.every(Number.isFinite)).toBe(true);
    expect(new Set(odd).size).toBe(15);
  });

  it('binomial(p) draws int32 0/1 with mean p; binomial(n, p) has mean n p and variance n p (1 - p)', async () => {
    const s = new RandomStreams(23);
    const b = await call(compile([], s.binomial([N], { p: 0.3 }))) as L.HostTensor;
    expect(b.dtype).toBe('int32');
    const v = Array.from(b.data);
    expect(v.every((x) => x === 0 || x === 1)).toBe(true);
    expect(Math.abs(meanOf(v) - 0.3)).toBeLessThan(0.015);
    const bn = data(await call(compile([], s.binomial([N], { n: 5, p: 0.4 }))));
    expect(bn.every((x) => Number.isInteger(x) && x >= 0 && x <= 5)).toBe(true);
    expect(Math.abs(meanOf(bn) - 2)).toBeLessThan(0.04);
    expect(Math.abs(stdOf(bn) ** 2 - 1.2)).toBeLessThan(0.06);
    expect(() => s.binomial([3], { p: 1.5 })).toThrow(L.ShapeError);
  });

  it('successive draws are uncorrelated', async () => {
    const s = new RandomStreams(24);
    const f = compile([], s.normal([N]));
    const a = data(await call(f));
    const b = data(await call(f));
    const corr = a.reduce((acc, v, i) => acc + v * b[i], 0) / N;
    expect(Math.abs(corr)).toBeLessThan(0.03);
  });

  it('a run-time shape (dropout-like mask on an input of unknown size)', async () => {
    const s = new RandomStreams(25);
    const x = matrix('x');
    const mask = s.binomial(x.symShape(), { p: 0.5, dtype: 'float32' });
    expect(mask.shape).toEqual([null, null]);
    const f = compile([x], L.div(L.mul(x, mask), 0.5));
    const ones = Array.from({ length: 100 }, () => Array(100).fill(1));
    const out = await call(f, ones) as L.HostTensor;
    expect(out.shape).toEqual([100, 100]);
    const v = Array.from(out.data);
    expect(v.every((e) => e === 0 || e === 2)).toBe(true);
    expect(Math.abs(meanOf(v) - 1)).toBeLessThan(0.05);
    // A shape mixing numbers and symbolic sizes.
    const g = compile([x], s.uniform([L.dim(x, 0), 3]));
    expect((await call(g, [[1], [2]]) as L.HostTensor).shape).toEqual([2, 3]);
  });
});

describe('scalar draws (shape [])', () => {
  const draws: [string, (s: RandomStreams, shape: number[]) => L.SymbolicTensor][] = [
    ['uniform', (s, shape) => s.uniform(shape, { low: -2, high: 3 })],
    ['normal', (s, shape) => s.normal(shape, { avg: 1, std: 0.5 })],
    ['binomial', (s, shape) => s.binomial(shape, { n: 4, p: 0.3 })],
    ['bernoulli', (s, shape) => s.binomial(shape, { p: 0.5, dtype: 'float32' })],
  ];
  it.each(draws)('%s([]) is a scalar equal to the first value a [1] draw of the same stream gives, fresh on each call', async (_, draw) => {
    const scalar = draw(new RandomStreams(5), []);
    expect(scalar.shape).toEqual([]);
    const f = compile([], scalar);
    const g = compile([], draw(new RandomStreams(5), [1]));
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await call(f); // a scalar output is returned as a number
      const b = (await call(g)) as L.HostTensor;
      expect(typeof a).toBe('number');
      expect(b.shape).toEqual([1]);
      expect([a]).toEqual(Array.from(b.data));
      seen.push(a as number);
    }
    expect(new Set(seen).size).toBeGreaterThan(1);
  });

  it('a scalar draw combines with tensors (broadcasts) and respects its range', async () => {
    const s = new RandomStreams(9);
    const x = L.vector('x');
    const f = compile([x], L.add(x, s.uniform([], { low: 10, high: 11 })));
    for (let i = 0; i < 5; i++) {
      const v = Array.from(((await call(f, [0, 0, 0])) as L.HostTensor).data);
      expect(v[0]).toBeGreaterThanOrEqual(10);
      expect(v[0]).toBeLessThan(11);
      expect(v).toEqual([v[0], v[0], v[0]]);
    }
  });

  it('a shape with a negative or fractional size is a ShapeError', () => {
    expect(() => new RandomStreams(1).uniform([2, -1])).toThrow(L.ShapeError);
    expect(() => new RandomStreams(1).normal([1.5])).toThrow(/non-negative integers/);
  });
});

describe('the inlined Bernoulli sampler', () => {
  it('makes the same decisions as mulberry32() < p, at dyadic, non-dyadic and edge probabilities', () => {
    // Reference: the plain generator, one float per draw (an independent, straightforward path).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { bernoulli } = require('../src/random') as { bernoulli: (seed: number, size: number, p: number) => Float32Array };
    for (const p of [0, 1e-9, 0.1, 0.3, 0.5, 0.8, 1 - 1e-9, 1]) {
      for (const seed of [0, 7, 0xdeadbeef]) {
        const rnd = L.mulberry32(seed);
        const expected = Array.from({ length: 20000 }, () => (rnd() < p ? 1 : 0));
        expect(Array.from(bernoulli(seed, 20000, p))).toEqual(expected);
      }
    }
  });
});
