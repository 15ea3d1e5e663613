import { checkDType, type DType } from './dtype';
import { ShapeError } from './errors';
import { Constant } from './graph/constant';
import { shared, type SharedVariable } from './graph/shared';
import { asTensor, type TensorLike } from './graph/lift';
import { SymbolicTensor, type TensorType } from './graph/node';
import { hostInput, Op, type PerformContext } from './graph/op';
import { HostTensor } from './host';
import { cast } from './ops/cast';
import { stack } from './ops/join';
import { nameGeneric, registerLowering } from './lowering/registry';
import { bernoulliTensor } from './random-wasm';
import { tf, type Tensor } from './tf';
import type { ST } from './graph/node';

/** A generator of floats in [0, 1), like `Math.random`. */
export type Rng = () => number;

/**
 * mulberry32 (a small, fast, well-mixed 32-bit PRNG) with its state exposed, so a checkpoint can
 * save where a stream stands and a resumed run can continue it exactly. The project's one seeded
 * host generator (`bernoulli` below inlines the same step for speed).
 */
export class SeededRng {
  private a: number;
  constructor(seed: number) {
    this.a = seed | 0;
  }
  /** The next float in [0, 1) (bound: pass `rng.next` wherever an `Rng` is expected). */
  readonly next: Rng = () => {
    const a = (this.a = (this.a + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** The whole state: one 32-bit integer. */
  get state(): number {
    return this.a;
  }
  set state(s: number) {
    this.a = s | 0;
  }
}

/** mulberry32 as a function: `mulberry32(seed)()` draws the same sequence as `new SeededRng(seed).next()`. */
export function mulberry32(seed: number): Rng {
  return new SeededRng(seed).next;
}

/** A 32-bit seed for a named purpose derived from a master seed (so streams do not coincide). */
export function deriveSeed(seed: number, purpose: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < purpose.length; i++) {
    h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Mixes a stream seed and a draw counter into a generator seed (so every draw is independent). */
function drawSeed(seed: number, counter: number): number {
  let h = (seed ^ Math.imul(counter + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

let globalSeed = 1234;
let globalCounter = 0;
/** Sets the seed every default random source (init, default streams) derives from. */
export function setSeed(seed: number): void {
  globalSeed = seed >>> 0;
  globalCounter = 0;
}
export function getSeed(): number {
  return globalSeed;
}
/** A fresh host generator derived from the global seed (each call a new, reproducible stream). */
export function nextHostRng(): () => number {
  return mulberry32(drawSeed(globalSeed, 1_000_000 + globalCounter++));
}

export type Distribution = { kind: 'uniform'; low: number; high: number } | { kind: 'normal'; avg: number; std: number } | { kind: 'binomial'; n: number; p: number };

/**
 * Bernoulli draws (dropout masks) with mulberry32 inlined: the same decisions as
 * `mulberry32(seed)() < p`. x / 2^32 < p exactly when the uint32 x < ceil(p * 2^32); both sides
 * are shifted by -2^31 into int32 so the comparison is a sign test, with no data-dependent branch
 * (random 50/50 branches mispredict; this loop runs 2x faster without them).
 */
export function bernoulli(seed: number, size: number, p: number): Float32Array {
  const out = new Float32Array(size);
  const threshold = Math.ceil(p * 4294967296) - 2147483648;
  let a = seed | 0;
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const x = t ^ (t >>> 14) ^ -2147483648; // the uint32 draw minus 2^31, as an int32
    out[i] = +(x < threshold); // a ternary here compiles to a branch: 2x slower
  }
  return out;
}

function sample(d: Distribution, size: number, seed: number): Float32Array {
  if (d.kind === 'binomial' && d.n === 1) return bernoulli(seed, size, d.p);
  const rnd = mulberry32(seed);
  const out = new Float32Array(size);
  if (d.kind === 'uniform') for (let i = 0; i < size; i++) out[i] = d.low + (d.high - d.low) * rnd();
  else if (d.kind === 'binomial') {
    for (let i = 0; i < size; i++) {
      let k = 0;
      for (let j = 0; j < d.n; j++) if (rnd() < d.p) k++;
      out[i] = k;
    }
  } else {
    for (let i = 0; i < size; i += 2) {
      const u = 1 - rnd();
      const r = Math.sqrt(-2 * Math.log(u)) * d.std;
      const t = 2 * Math.PI * rnd();
      out[i] = d.avg + r * Math.cos(t);
      if (i + 1 < size) out[i + 1] = d.avg + r * Math.sin(t);
    }
  }
  return out;
}

/** Draws a sample of a run-time shape; outputs the next generator state and the sample. */
export class RandomOp extends Op {
  readonly name = 'Random';
  static override readonly props = ['dist', 'dtype'] as const;
  override readonly stochastic = true;
  /** The state and the shape are read on the host; the next state stays there (no device read). */
  override readonly hostInputs = [0, 1];
  constructor(readonly dist: Distribution, readonly dtype: DType, readonly staticShape: readonly (number | null)[]) {
    super();
  }
  override inferTypes([state]: readonly ST[]): TensorType[] {
    return [state.type, { dtype: this.dtype, shape: this.staticShape }];
  }
  /** The generic lowering (`js-sampler`): drawn in JS, uploaded. */
  override perform(_ins: Tensor[], ctx: PerformContext): (Tensor | HostTensor)[] {
    return this.draw(ctx, (shape, seed) => tf.tensor(sample(this.dist, shape.reduce((a, b) => a * b, 1), seed), shape, 'float32'))!;
  }
  /**
   * The next state and the sample that `sampler` draws (a float32 tensor of the run-time shape
   * from the draw's generator seed), or undefined when the sampler declines.
   */
  draw(ctx: PerformContext, sampler: (shape: number[], seed: number) => Tensor | undefined): (Tensor | HostTensor)[] | undefined {
    const [seed, counter] = hostInput(ctx, 0, this.name).data;
    const shape = Array.from(hostInput(ctx, 1, this.name).data);
    const t = sampler(shape, drawSeed(seed, counter));
    if (!t) return undefined;
    return [new HostTensor(Int32Array.from([seed, counter + 1]), [2], 'int32'), this.dtype === 'float32' ? t : tf.cast(t, this.dtype)];
  }
  override grad(): (ST | null)[] {
    return [null, null];
  }
}

nameGeneric(RandomOp, 'js-sampler');
// A dropout mask (Bernoulli) on wasm/cpu: generated WebAssembly draws it into the tensor's memory.
registerLowering(RandomOp, {
  name: 'wasm-bernoulli',
  applies: (_ctx, _inputs, op) => op.dist.kind === 'binomial' && op.dist.n === 1,
  when: (ctx) => ctx.hostMemory,
  run: (_inputs, ctx, op) => op.draw(ctx, (shape, seed) => bernoulliTensor(shape, seed, (op.dist as { p: number }).p)),
});

export type ShapeArg = readonly (number | ST)[] | ST;

/**
 * Theano's `RandomStreams(seed)`: each draw owns a state shared variable whose default update
 * advances it, so a compiled function draws fresh values on every call, reproducibly from the seed.
 */
export class RandomStreams {
  private readonly states: SharedVariable[] = [];
  private seedValue: number;
  constructor(seed?: number) {
    this.seedValue = (seed ?? Math.floor(nextHostRng()() * 2 ** 31)) >>> 0;
  }
  /** Reseeds every stream drawn so far and those to come (Theano's `srng.seed`). */
  seed(seed: number): void {
    this.seedValue = seed >>> 0;
    this.states.forEach((s, i) => s.set(Int32Array.from([drawSeed(this.seedValue, i) | 0, 0])));
  }
  /** The state variables (for checkpoints: save their values, set them on resume). */
  get stateVariables(): readonly SharedVariable[] {
    return this.states;
  }
  uniform(shape: ShapeArg, o: { low?: number; high?: number; dtype?: DType } = {}): ST {
    return this.draw({ kind: 'uniform', low: o.low ?? 0, high: o.high ?? 1 }, shape, o.dtype ?? 'float32');
  }
  normal(shape: ShapeArg, o: { avg?: number; std?: number; dtype?: DType } = {}): ST {
    return this.draw({ kind: 'normal', avg: o.avg ?? 0, std: o.std ?? 1 }, shape, o.dtype ?? 'float32');
  }
  binomial(shape: ShapeArg, o: { n?: number; p?: number; dtype?: DType } = {}): ST {
    const p = o.p ?? 0.5;
    if (!(p >= 0 && p <= 1)) throw new ShapeError(`binomial: p must be in [0, 1], received ${p}.`);
    return this.draw({ kind: 'binomial', n: o.n ?? 1, p }, shape, o.dtype ?? 'int32');
  }
  private draw(dist: Distribution, shape: ShapeArg, requested: DType): ST {
    const dtype = checkDType(requested, `RandomStreams.${dist.kind}`);
    const state = shared(Int32Array.from([drawSeed(this.seedValue, this.states.length) | 0, 0]), { name: `rng_state_${this.states.length}`, dtype: 'int32' });
    this.states.push(state);
    const { vec, staticShape } = shapeVector(shape);
    const [next, value] = new RandomOp(dist, dtype, staticShape).make([state, vec]);
    state.defaultUpdate = next;
    return value;
  }
}

function shapeVector(shape: ShapeArg): { vec: ST; staticShape: (number | null)[] } {
  if (shape instanceof SymbolicTensor) {
    if (shape.ndim !== 1 || shape.shape[0] === null) throw new ShapeError(`random: the shape must be a vector of known length, received ${shape.describe()}.`);
    return { vec: cast(shape, 'int32'), staticShape: Array.from({ length: shape.shape[0] }, () => null) };
  }
  // A scalar draw (shape []) and a fully static shape are an int32 constant vector (stack
  // needs at least one entry).
  if (shape.every((d) => typeof d === 'number')) {
    const dims = shape as readonly number[];
    if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError(`random: the shape must be non-negative integers, received [${dims.join(', ')}].`);
    return { vec: new Constant(new HostTensor(Int32Array.from(dims), [dims.length], 'int32')), staticShape: [...dims] };
  }
  const entries = shape.map((d) => cast(asTensor(d as TensorLike), 'int32'));
  return { vec: stack(entries), staticShape: shape.map((d) => (typeof d === 'number' ? d : null)) };
}
