/** lasagne.init: ranges and standard deviations from Lasagne's fan rules, gains, seeding. */
import { setSeed } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { value } from '../../core/test/calls';

const { init } = L;

function stats(a: Float32Array) {
  let m = 0;
  for (const v of a) m += v / a.length;
  let s = 0;
  for (const v of a) s += (v - m) ** 2 / a.length;
  return { mean: m, std: Math.sqrt(s), min: Math.min(...a), max: Math.max(...a) };
}

describe('init', () => {
  test('GlorotUniform for a conv W (16,3,5,5): bound sqrt(6/(19·25)) = 0.11239', () => {
    const bound = Math.sqrt(6 / (19 * 25));
    expect(bound).toBeCloseTo(0.11239, 5);
    const w = new init.GlorotUniform().sample([16, 3, 5, 5]);
    const s = stats(w);
    expect(w.length).toBe(1200);
    expect(s.max).toBeLessThanOrEqual(Math.fround(bound));
    expect(s.min).toBeGreaterThanOrEqual(-Math.fround(bound));
    expect(s.max).toBeGreaterThan(0.9 * bound);
    expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 2);
    // gain 'relu' = √2 and numeric gains scale the bound.
    expect(stats(new init.GlorotUniform('relu').sample([16, 3, 5, 5])).max).toBeGreaterThan(bound);
    expect(stats(new init.GlorotUniform('relu').sample([16, 3, 5, 5])).max).toBeLessThanOrEqual(Math.SQRT2 * bound + 1e-7);
    expect(new init.GlorotUniform({ gain: 2 }).gain).toBe(2);
  });

  test('GlorotNormal std = gain·sqrt(2/((n1+n2)·rf)); dense W uses n1 = fan_in, n2 = fan_out', () => {
    const s = stats(new init.GlorotNormal().sample([300, 200]));
    expect(s.std).toBeCloseTo(Math.sqrt(2 / 500), 3);
    expect(Math.abs(s.mean)).toBeLessThan(0.002);
    expect(stats(new init.GlorotNormal(3).sample([300, 200])).std).toBeCloseTo(3 * Math.sqrt(2 / 500), 2);
  });

  test('He: fan_in = shape[0] for 2-d, prod(shape[1:]) otherwise', () => {
    expect(stats(new init.HeNormal().sample([400, 100])).std).toBeCloseTo(Math.sqrt(1 / 400), 3);
    expect(stats(new init.HeNormal('relu').sample([64, 8, 3, 3])).std).toBeCloseTo(Math.SQRT2 * Math.sqrt(1 / 72), 2);
    const hu = stats(new init.HeUniform().sample([32, 8, 3, 3]));
    expect(hu.max).toBeLessThanOrEqual(Math.sqrt(3 / 72) + 1e-7);
    expect(hu.std).toBeCloseTo(Math.sqrt(1 / 72), 2);
    expect(() => new init.HeNormal().sample([5])).toThrow(/length >= 2/);
    expect(() => new init.GlorotUniform().sample([5])).toThrow(/length >= 2/);
  });

  test('c01b fan rules', () => {
    // Glorot c01b: n1 = shape[0], n2 = shape[3], rf = shape[1]·shape[2].
    expect(stats(new init.GlorotNormal({ c01b: true }).sample([8, 3, 3, 16])).std).toBeCloseTo(Math.sqrt(2 / (24 * 9)), 2);
    expect(stats(new init.HeNormal({ c01b: true }).sample([8, 3, 3, 16])).std).toBeCloseTo(Math.sqrt(1 / 72), 2);
  });

  test('Normal(std=0.01, mean=0), Uniform(range=0.01), Uniform([a, b]), Uniform({std, mean}), Constant(0)', () => {
    const n = stats(new init.Normal().sample([100, 100]));
    expect(n.std).toBeCloseTo(0.01, 3);
    expect(stats(new init.Normal(2, 5).sample([100, 100])).mean).toBeCloseTo(5, 1);
    const u = stats(new init.Uniform().sample([100, 100]));
    expect(u.min).toBeGreaterThanOrEqual(-0.01);
    expect(u.max).toBeLessThanOrEqual(0.01);
    const ab = stats(new init.Uniform([2, 3]).sample([1000]));
    expect(ab.min).toBeGreaterThanOrEqual(2);
    expect(ab.max).toBeLessThan(3);
    expect(new init.Uniform({ std: 1, mean: 1 }).range).toEqual([1 - Math.sqrt(3), 1 + Math.sqrt(3)]);
    expect(Array.from(new init.Constant().sample([2, 2]))).toEqual([0, 0, 0, 0]);
    expect(Array.from(new init.Constant(0.5).sample([3]))).toEqual([0.5, 0.5, 0.5]);
  });

  test('Orthogonal: orthonormal rows or columns (times gain), any rank ≥ 2', () => {
    const check = (shape: number[], gain = 1) => {
      const w = new init.Orthogonal(gain).sample(shape);
      const rows = shape[0];
      const cols = w.length / rows;
      const [k, n, at] = rows <= cols ? [rows, cols, (i: number, j: number) => w[i * cols + j]] : [cols, rows, (i: number, j: number) => w[j * cols + i]];
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          let d = 0;
          for (let j = 0; j < n; j++) d += at(a, j) * at(b, j);
          expect(d).toBeCloseTo(a === b ? gain * gain : 0, 5);
        }
      }
    };
    check([5, 10]);
    check([10, 5]);
    check([4, 2, 3]);
    check([6, 6], 2);
    check([4, 4], Math.SQRT2);
    expect(new init.Orthogonal('relu').gain).toBe(Math.SQRT2);
    expect(() => new init.Orthogonal().sample([3])).toThrow(/length 2 or more/);
  });

  test('Sparse: int(sparsity·rows) non-zeros per column', () => {
    const w = new init.Sparse(0.25, 1).sample([20, 7]);
    for (let k = 0; k < 7; k++) {
      let nz = 0;
      for (let i = 0; i < 20; i++) if (w[i * 7 + k] !== 0) nz++;
      expect(nz).toBe(5);
    }
    expect(() => new init.Sparse().sample([2, 3, 4])).toThrow(/2-d/);
  });

  test('one global seed makes initialisation reproducible; setRng sets a custom generator', () => {
    const build = () => new L.DenseLayer(new L.DenseLayer(new L.InputLayer([null, 4]), { numUnits: 3 }), { numUnits: 2 });
    setSeed(123);
    const a = L.getAllParamValues(build()).map((v) => Array.from(v.data));
    setSeed(123);
    const b = L.getAllParamValues(build()).map((v) => Array.from(v.data));
    setSeed(124);
    const c = L.getAllParamValues(build()).map((v) => Array.from(v.data));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    let calls = 0;
    L.setRng(() => {
      calls++;
      return 0.75;
    });
    try {
      expect(Array.from(new init.Uniform(1).sample([3]))).toEqual([0.5, 0.5, 0.5]);
      expect(calls).toBe(3);
      L.setRng(42);
      const d = Array.from(new init.Normal().sample([4]));
      L.setRng(42);
      expect(Array.from(new init.Normal().sample([4]))).toEqual(d);
    } finally {
      L.setRng(null);
    }
    expect(typeof L.getRng()()).toBe('number');
  });

  test('a plain function of the shape works as an initializer too', async () => {
    const l = new L.DenseLayer([null, 2], { numUnits: 2, W: (shape) => new init.Constant(3).sample(shape) });
    expect(Array.from((await value(l.W)).data)).toEqual([3, 3, 3, 3]);
  });
});
