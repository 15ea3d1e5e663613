/**
 * Lasagne's `lasagne.init`: parameter initializers. Each has `sample(shape)` returning a
 * Float32Array in row-major order, drawn from `getRng()` (core's global seed unless `setRng`).
 */
import { OptionsError, ShapeError, formatShape } from '@lasagne-ts/core';
import { getRng, type HostRng } from './random';

/** Lasagne's gain argument: a number, or 'relu' for √2. */
export type Gain = number | 'relu';

function gainValue(gain: Gain, where: string): number {
  if (gain === 'relu') return Math.SQRT2;
  if (typeof gain !== 'number' || !Number.isFinite(gain)) throw new OptionsError(`${where}: gain must be a number or 'relu', received ${JSON.stringify(gain)}.`);
  return gain;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Standard normal draws (Box-Muller, float64) from a uniform generator. */
function gaussians(n: number, rnd: HostRng, mean: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * rnd();
    out[i] = mean + std * r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(t);
  }
  return out;
}

/** The base class of initializers: `sample(shape)` returns the values in row-major order. */
export abstract class Initializer {
  abstract sample(shape: readonly number[]): Float32Array;
}

/** All values equal to `val` (default 0). */
export class Constant extends Initializer {
  constructor(readonly val = 0) {
    super();
  }
  sample(shape: readonly number[]): Float32Array {
    return new Float32Array(prod(shape)).fill(this.val);
  }
}

/** Normal(mean, std) values (defaults std = 0.01, mean = 0). */
export class Normal extends Initializer {
  constructor(readonly std = 0.01, readonly mean = 0) {
    super();
  }
  sample(shape: readonly number[]): Float32Array {
    return gaussians(prod(shape), getRng(), this.mean, this.std);
  }
}

export interface UniformOptions {
  /** Half-width of a symmetric range, or [low, high] (default 0.01). */
  range?: number | readonly [number, number];
  /** If given, the range is mean ± √3·std (a uniform distribution with that std). */
  std?: number | null;
  mean?: number;
}

/**
 * Uniform values on a range: `new Uniform(0.05)` is U(−0.05, 0.05), `new Uniform([a, b])` is
 * U(a, b), `new Uniform({std, mean})` has that standard deviation.
 */
export class Uniform extends Initializer {
  readonly range: [number, number];
  constructor(range: number | readonly [number, number] | UniformOptions = 0.01) {
    super();
    const o: UniformOptions = typeof range === 'number' || Array.isArray(range) ? { range: range as number | [number, number] } : (range as UniformOptions);
    const mean = o.mean ?? 0;
    if (o.std !== undefined && o.std !== null) this.range = [mean - Math.sqrt(3) * o.std, mean + Math.sqrt(3) * o.std];
    else {
      const r = o.range ?? 0.01;
      this.range = typeof r === 'number' ? [-r, r] : [r[0], r[1]];
    }
  }
  sample(shape: readonly number[]): Float32Array {
    const rnd = getRng();
    const [a, b] = this.range;
    const out = new Float32Array(prod(shape));
    for (let i = 0; i < out.length; i++) out[i] = a + (b - a) * rnd();
    return out;
  }
}

/** Glorot/Xavier fans: n1, n2 = shape[0], shape[1] and the receptive field prod(shape[2:]) (c01b: shape[0], shape[3], shape[1]·shape[2]). */
function glorotStd(shape: readonly number[], gain: number, c01b: boolean, where: string): number {
  let n1: number, n2: number, rf: number;
  if (c01b) {
    if (shape.length !== 4) throw new ShapeError(`${where}: with c01b only 4-d shapes are accepted, received ${formatShape(shape)}.`);
    [n1, n2, rf] = [shape[0], shape[3], shape[1] * shape[2]];
  } else {
    if (shape.length < 2) throw new ShapeError(`${where}: this initializer only works with shapes of length >= 2, received ${formatShape(shape)}.`);
    [n1, n2, rf] = [shape[0], shape[1], prod(shape.slice(2))];
  }
  return gain * Math.sqrt(2 / ((n1 + n2) * rf));
}

/** He: fan_in = shape[0] for 2-d shapes, prod(shape[1:]) otherwise (c01b: prod(shape[:3])). */
function heStd(shape: readonly number[], gain: number, c01b: boolean, where: string): number {
  let fanIn: number;
  if (c01b) {
    if (shape.length !== 4) throw new ShapeError(`${where}: with c01b only 4-d shapes are accepted, received ${formatShape(shape)}.`);
    fanIn = prod(shape.slice(0, 3));
  } else if (shape.length === 2) fanIn = shape[0];
  else if (shape.length > 2) fanIn = prod(shape.slice(1));
  else throw new ShapeError(`${where}: this initializer only works with shapes of length >= 2, received ${formatShape(shape)}.`);
  return gain * Math.sqrt(1 / fanIn);
}

export interface ScaledInitOptions {
  /** Scaling factor, or 'relu' for √2 (default 1). */
  gain?: Gain;
  /** Filters laid out as (channels, rows, cols, batch) (cuda-convnet); default false. */
  c01b?: boolean;
}
const gainArgs = (g: Gain | ScaledInitOptions | undefined, where: string): { gain: number; c01b: boolean } => {
  const o: ScaledInitOptions = typeof g === 'object' && g !== null ? g : { gain: g as Gain | undefined };
  return { gain: gainValue(o.gain ?? 1, where), c01b: !!o.c01b };
};

/** Glorot/Xavier with normal values: std = gain·sqrt(2 / ((n1 + n2)·receptive field)). */
export class GlorotNormal extends Initializer {
  readonly gain: number;
  readonly c01b: boolean;
  constructor(gain?: Gain | ScaledInitOptions) {
    super();
    ({ gain: this.gain, c01b: this.c01b } = gainArgs(gain, 'GlorotNormal'));
  }
  sample(shape: readonly number[]): Float32Array {
    return new Normal(glorotStd(shape, this.gain, this.c01b, 'GlorotNormal')).sample(shape);
  }
}

/** Glorot/Xavier with uniform values: U(±gain·sqrt(6 / ((n1 + n2)·receptive field))). */
export class GlorotUniform extends Initializer {
  readonly gain: number;
  readonly c01b: boolean;
  constructor(gain?: Gain | ScaledInitOptions) {
    super();
    ({ gain: this.gain, c01b: this.c01b } = gainArgs(gain, 'GlorotUniform'));
  }
  sample(shape: readonly number[]): Float32Array {
    return new Uniform({ std: glorotStd(shape, this.gain, this.c01b, 'GlorotUniform') }).sample(shape);
  }
}

/** He with normal values: std = gain·sqrt(1 / fan_in). */
export class HeNormal extends Initializer {
  readonly gain: number;
  readonly c01b: boolean;
  constructor(gain?: Gain | ScaledInitOptions) {
    super();
    ({ gain: this.gain, c01b: this.c01b } = gainArgs(gain, 'HeNormal'));
  }
  sample(shape: readonly number[]): Float32Array {
    return new Normal(heStd(shape, this.gain, this.c01b, 'HeNormal')).sample(shape);
  }
}

/** He with uniform values: U(±√3·gain·sqrt(1 / fan_in)). */
export class HeUniform extends Initializer {
  readonly gain: number;
  readonly c01b: boolean;
  constructor(gain?: Gain | ScaledInitOptions) {
    super();
    ({ gain: this.gain, c01b: this.c01b } = gainArgs(gain, 'HeUniform'));
  }
  sample(shape: readonly number[]): Float32Array {
    return new Uniform({ std: heStd(shape, this.gain, this.c01b, 'HeUniform') }).sample(shape);
  }
}

/**
 * A random orthogonal matrix (times gain) reshaped to `shape`: the (shape[0], prod(shape[1:]))
 * matrix has orthonormal rows or columns, whichever there are fewer of. Computed by orthonormalising
 * a Gaussian matrix (QR, i.e. Gram-Schmidt with re-orthogonalisation, in float64).
 */
export class Orthogonal extends Initializer {
  readonly gain: number;
  constructor(gain: Gain = 1) {
    super();
    this.gain = gainValue(gain, 'Orthogonal');
  }
  sample(shape: readonly number[]): Float32Array {
    if (shape.length < 2) throw new ShapeError(`Orthogonal: only shapes of length 2 or more are supported, received ${formatShape(shape)}.`);
    const rows = shape[0];
    const cols = prod(shape.slice(1));
    // Orthonormalise the shorter side: k vectors of length n.
    const [k, n] = rows <= cols ? [rows, cols] : [cols, rows];
    const g = gaussians(rows * cols, getRng(), 0, 1);
    const vecs: Float64Array[] = Array.from({ length: k }, (_, i) => {
      const v = new Float64Array(n);
      for (let j = 0; j < n; j++) v[j] = rows <= cols ? g[i * cols + j] : g[j * cols + i];
      return v;
    });
    for (let i = 0; i < k; i++) {
      const v = vecs[i];
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < i; p++) {
          let d = 0;
          for (let j = 0; j < n; j++) d += v[j] * vecs[p][j];
          for (let j = 0; j < n; j++) v[j] -= d * vecs[p][j];
        }
      }
      let norm = 0;
      for (let j = 0; j < n; j++) norm += v[j] * v[j];
      norm = Math.sqrt(norm);
      for (let j = 0; j < n; j++) v[j] /= norm;
    }
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < n; j++) {
        if (rows <= cols) out[i * cols + j] = this.gain * vecs[i][j];
        else out[j * cols + i] = this.gain * vecs[i][j];
      }
    }
    return out;
  }
}

/**
 * A sparse matrix: in each column, int(sparsity·rows) randomly chosen entries are Normal(0, std),
 * the rest zero (defaults sparsity 0.1, std 0.01). 2-d shapes only.
 */
export class Sparse extends Initializer {
  constructor(readonly sparsity = 0.1, readonly std = 0.01) {
    super();
  }
  sample(shape: readonly number[]): Float32Array {
    if (shape.length !== 2) throw new ShapeError(`Sparse: only 2-d shapes are supported, received ${formatShape(shape)}.`);
    const [nIn, nOut] = shape;
    const size = Math.floor(this.sparsity * nIn);
    const rnd = getRng();
    const w = new Float32Array(nIn * nOut);
    for (let k = 0; k < nOut; k++) {
      const idx = Array.from({ length: nIn }, (_, i) => i);
      for (let i = nIn - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      const vals = gaussians(size, rnd, 0, this.std);
      for (let i = 0; i < size; i++) w[idx[i] * nOut + k] = vals[i];
    }
    return w;
  }
}
