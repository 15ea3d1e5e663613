import { OptionsError, ShapeError, SymbolicTensor, dim, dimshuffle as dimshuffleOp, flatten as flattenOp, formatShape, reshape as reshapeOp, type Shape } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { layerBase, parseLayerOptions, rawName } from './options';
import type { ST } from '@lasagne-ts/core';

/** One entry of a ReshapeLayer shape: a size, -1 (inferred, once), `[i]` (size of input axis i) or a symbolic int scalar. */
export type ReshapeSpecEntry = number | readonly [number] | ST;

export interface ReshapeLayerOptions {
  shape: readonly ReshapeSpecEntry[];
  name?: string;
}
const entry = z.union([
  z.number().int(),
  z.tuple([z.number().int().nonnegative()]),
  z.custom<ST>((v) => v instanceof SymbolicTensor && v.ndim === 0, { message: 'expected a symbolic scalar' }),
]);
const ReshapeSchema = z.strictObject({ ...layerBase, shape: z.array(entry) });

/**
 * Lasagne's `ReshapeLayer`: reshapes to `shape`, where `[i]` stands for the size of input axis i
 * (e.g. `[[0], -1]` keeps the batch size and flattens the rest), -1 is inferred and symbolic
 * scalars are allowed. `new ReshapeLayer(l, [[0], 1, 28, 28])` also works.
 *
 * @example
 * const l = new ReshapeLayer(new InputLayer([null, 784]), [[0], 1, 28, 28]);
 * l.outputShape; // [null, 1, 28, 28]
 */
export class ReshapeLayer extends Layer {
  readonly shape: readonly ReshapeSpecEntry[];
  constructor(incoming: Incoming, options: ReshapeLayerOptions | readonly ReshapeSpecEntry[]) {
    const raw = Array.isArray(options) ? { shape: options } : options;
    const o = parseLayerOptions(ReshapeSchema, raw, 'ReshapeLayer', rawName(raw));
    super(incoming, { name: o.name });
    for (const s of o.shape) {
      if (typeof s === 'number' && (s === 0 || s < -1)) throw new OptionsError(`${layerLabel(this)}: shape integers must be positive or -1, received ${JSON.stringify(o.shape.map(show))}.`);
    }
    if (o.shape.filter((s) => s === -1).length > 1) throw new OptionsError(`${layerLabel(this)}: shape cannot contain more than one -1, received ${JSON.stringify(o.shape.map(show))}.`);
    this.shape = o.shape;
    this.getOutputShapeFor(this.inputShape); // sanity check, as Lasagne does
  }

  override getOutputShapeFor(inputShape: Shape): Shape {
    const where = layerLabel(this);
    const out: (number | null)[] = [];
    const maskedIn: (number | null)[] = [...inputShape];
    const maskedOut: (number | null)[] = [];
    this.shape.forEach((o) => {
      if (Array.isArray(o)) {
        const i = (o as readonly [number])[0];
        if (i >= inputShape.length) throw new ShapeError(`${where}: the shape refers to input axis [${i}], but input shape ${formatShape(inputShape)} has ${inputShape.length} dimensions only.`);
        out.push(inputShape[i]);
        if (inputShape[i] === null && maskedIn[i] === null) {
          // The first copy of an unknown input size: one-to-one, so it does not count for -1.
          maskedIn[i] = 1;
          maskedOut.push(1);
        } else maskedOut.push(inputShape[i]);
      } else if (o instanceof SymbolicTensor) {
        out.push(null);
        maskedOut.push(null);
      } else {
        out.push(o as number);
        maskedOut.push(o as number);
      }
    });
    const prod = (s: (number | null)[]) => (s.some((d) => d === null) ? null : (s as number[]).reduce((a, b) => a * b, 1));
    const inSize = prod(maskedIn);
    let outSize = prod(maskedOut);
    const k = out.indexOf(-1);
    if (k >= 0) {
      if (inSize === null || outSize === null) {
        out[k] = null;
        outSize = null;
      } else {
        out[k] = Math.floor(inSize / -outSize);
        outSize = -outSize * out[k]!;
      }
    }
    if (inSize !== null && outSize !== null && inSize !== outSize) {
      throw new ShapeError(`${where}: input shape ${formatShape(inputShape)} cannot be reshaped to ${JSON.stringify(this.shape.map(show))}; the total size does not match.`);
    }
    return out;
  }

  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const spec = this.shape.map((o) => (Array.isArray(o) ? (input.shape[(o as readonly [number])[0]] ?? dim(input, (o as readonly [number])[0])) : (o as number | ST)));
    return reshapeOp(input, spec);
  }
}

function show(s: ReshapeSpecEntry): unknown {
  return s instanceof SymbolicTensor ? String(s) : s;
}

/** `reshape(incoming, shape)`: a ReshapeLayer (Lasagne's `reshape` alias). */
export function reshape(incoming: Incoming, shape: readonly ReshapeSpecEntry[], options: { name?: string } = {}): ReshapeLayer {
  return new ReshapeLayer(incoming, { ...options, shape });
}

export interface FlattenLayerOptions {
  /** Number of output dimensions (default 2: keep the first axis, flatten the rest). */
  outdim?: number;
  name?: string;
}
const FlattenSchema = z.strictObject({ ...layerBase, outdim: z.number().int().positive().optional() });

/**
 * Lasagne's `FlattenLayer`: keeps the first outdim − 1 axes and flattens the rest into one.
 *
 * @example
 * const l = new FlattenLayer(new InputLayer([null, 16, 4, 4]));
 * l.outputShape; // [null, 256]
 */
export class FlattenLayer extends Layer {
  readonly outdim: number;
  constructor(incoming: Incoming, options: FlattenLayerOptions = {}) {
    const o = parseLayerOptions(FlattenSchema, options, 'FlattenLayer', rawName(options));
    super(incoming, { name: o.name });
    this.outdim = o.outdim ?? 2;
    if (this.outdim > Math.max(1, this.inputShape.length)) {
      throw new ShapeError(`${layerLabel(this)}: outdim ${this.outdim} exceeds the input's ${this.inputShape.length} dimensions (input shape ${formatShape(this.inputShape)}).`);
    }
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    const rest = inputShape.slice(this.outdim - 1);
    const flat = rest.some((d) => d === null) ? null : (rest as number[]).reduce((a, b) => a * b, 1);
    return [...inputShape.slice(0, this.outdim - 1), flat];
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return flattenOp(input, this.outdim);
  }
}

/** `flatten(incoming, {outdim})`: a FlattenLayer (Lasagne's `flatten` alias). */
export function flatten(incoming: Incoming, options: FlattenLayerOptions = {}): FlattenLayer {
  return new FlattenLayer(incoming, options);
}

export type DimshufflePattern = readonly (number | 'x')[];
export interface DimshuffleLayerOptions {
  /** Input axes in their new order, 'x' for new broadcastable axes of size 1. */
  pattern: DimshufflePattern;
  name?: string;
}
const DimshuffleSchema = z.strictObject({ ...layerBase, pattern: z.array(z.union([z.number().int().nonnegative(), z.literal('x')])) });

/**
 * Lasagne's `DimshuffleLayer`: reorders axes, inserts axes of size 1 ('x') and drops axes of
 * size 1 (or unknown size, checked at run time). `new DimshuffleLayer(l, [0, 'x', 1])` also works.
 *
 * @example
 * const l = new DimshuffleLayer(new InputLayer([null, 3, 32, 32]), [0, 2, 3, 1]);
 * l.outputShape; // [null, 32, 32, 3]
 */
export class DimshuffleLayer extends Layer {
  readonly pattern: DimshufflePattern;
  constructor(incoming: Incoming, options: DimshuffleLayerOptions | DimshufflePattern) {
    const raw = Array.isArray(options) ? { pattern: options } : options;
    const o = parseLayerOptions(DimshuffleSchema, raw, 'DimshuffleLayer', rawName(raw));
    super(incoming, { name: o.name });
    const used = new Set<number>();
    for (const p of o.pattern) {
      if (p === 'x') continue;
      if (used.has(p)) throw new OptionsError(`${layerLabel(this)}: the pattern ${JSON.stringify(o.pattern)} contains dimension ${p} more than once.`);
      used.add(p);
    }
    this.pattern = o.pattern;
    this.getOutputShapeFor(this.inputShape);
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    const where = layerLabel(this);
    const used = inputShape.map(() => false);
    const out = this.pattern.map((p) => {
      if (p === 'x') return 1;
      if (p >= inputShape.length) throw new ShapeError(`${where}: the pattern ${JSON.stringify(this.pattern)} contains ${p}, but input shape ${formatShape(inputShape)} has ${inputShape.length} dimensions only.`);
      used[p] = true;
      return inputShape[p];
    });
    inputShape.forEach((d, i) => {
      if (!used[i] && d !== 1 && d !== null) {
        throw new ShapeError(`${where}: the pattern ${JSON.stringify(this.pattern)} drops axis ${i} of size ${d} of input shape ${formatShape(inputShape)}; only axes of size 1 can be dropped.`);
      }
    });
    return out;
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    let x = input;
    const dropped = x.shape.map((d, i) => !this.pattern.includes(i) && d === null);
    if (dropped.some(Boolean)) {
      // Axes of unknown size that are dropped must be 1 at run time: make that static by a reshape.
      x = reshapeOp(x, x.shape.map((d, i) => (dropped[i] ? 1 : (d ?? dim(x, i)))));
    }
    return dimshuffleOp(x, this.pattern);
  }
}

/** `dimshuffle(incoming, pattern)`: a DimshuffleLayer (Lasagne's `dimshuffle` alias). */
export function dimshuffle(incoming: Incoming, pattern: DimshufflePattern, options: { name?: string } = {}): DimshuffleLayer {
  return new DimshuffleLayer(incoming, { ...options, pattern });
}
