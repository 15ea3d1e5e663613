import { RandomStreams, ShapeError, type ST, add, asTensor, cast, dim, div, formatShape, lt, mul, sub, type Shape } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { layerBase, parseLayerOptions, rawName, symbolicScalar } from './options';
import { drawStreamSeed } from './random';

/** The shape of a mask for `x`: its static sizes where known, `dim(x, i)` where not, 1 on shared axes. */
function maskShape(x: ST, sharedAxes: readonly number[]): (number | ST)[] {
  return x.shape.map((d, i) => (sharedAxes.includes(i) ? 1 : d ?? dim(x, i)));
}

function normSharedAxes(axes: readonly number[], rank: number, where: string, inputShape: Shape): number[] {
  return axes.map((a) => {
    const n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank) throw new ShapeError(`${where}: shared axis ${a} is out of range for input shape ${formatShape(inputShape)}.`);
    return n;
  });
}

export interface DropoutLayerOptions {
  /** The probability of setting a value to zero (default 0.5); a number in [0, 1) or a symbolic scalar. */
  p?: number | ST;
  /** Scale the kept values by 1 / (1 − p) when training (default true). */
  rescale?: boolean;
  /** Axes along which the mask is shared (e.g. [2, 3] drops whole feature maps). Default []. */
  sharedAxes?: readonly number[];
  name?: string;
}

const DropoutSchema = z.strictObject({
  ...layerBase,
  p: z.union([z.number().min(0).lt(1), symbolicScalar]).optional(),
  rescale: z.boolean().optional(),
  sharedAxes: z.array(z.number().int()).optional(),
});

/**
 * Lasagne's `DropoutLayer`: when training, `x / (1 − p) · Bernoulli(1 − p)` (p is the probability
 * to drop); the identity when `deterministic` or p = 0. The mask is drawn from the layer's own
 * random stream (seeded from `getRng()` at construction), fresh on every call of a compiled function.
 *
 * @example
 * const x = new InputLayer([null, 100]);
 * const l = new DropoutLayer(x, { p: 0.5 });
 * l.outputShape; // [null, 100]
 * getOutput(l, { deterministic: true }) === x.inputVar; // true
 */
export class DropoutLayer extends Layer {
  readonly p: number | ST;
  readonly rescale: boolean;
  readonly sharedAxes: readonly number[];
  /** The layer's random stream (Lasagne's `_srng`). */
  readonly srng: RandomStreams;

  constructor(incoming: Incoming, options: DropoutLayerOptions = {}) {
    const o = parseLayerOptions(DropoutSchema, options, 'DropoutLayer', rawName(options));
    super(incoming, { name: o.name });
    this.p = o.p ?? 0.5;
    this.rescale = o.rescale ?? true;
    this.sharedAxes = normSharedAxes(o.sharedAxes ?? [], this.inputShape.length, layerLabel(this), this.inputShape);
    this.srng = new RandomStreams(drawStreamSeed());
  }

  getOutputFor(input: ST, opts: GetOutputOptions = {}): ST {
    if (opts.deterministic || this.p === 0) return input;
    const axes = this.sharedAxes.map((a) => (a < 0 ? a + input.ndim : a));
    const shape = maskShape(input, axes);
    // As Lasagne, the mask has the dtype of the (rescaled) input: without rescaling an int32
    // input stays int32.
    let x = input;
    if (typeof this.p === 'number') {
      const retain = Math.fround(1 - this.p);
      if (this.rescale) x = div(x, retain);
      return mul(x, this.srng.binomial(shape, { p: retain, dtype: x.dtype }));
    }
    const retain = sub(asTensor(1), cast(this.p, 'float32'));
    if (this.rescale) x = div(x, retain);
    return mul(x, cast(lt(this.srng.uniform(shape), retain), x.dtype));
  }
}

/** `dropout(incoming, {p})`: a DropoutLayer (Lasagne's `dropout` shortcut). */
export function dropout(incoming: Incoming, options: DropoutLayerOptions = {}): DropoutLayer {
  return new DropoutLayer(incoming, options);
}

/** Spatial dropout: drops whole channels, the mask shared over all axes after the second. */
export function dropoutChannels(incoming: Incoming, options: Omit<DropoutLayerOptions, 'sharedAxes'> = {}): DropoutLayer {
  const rank = incoming instanceof Layer ? incoming.outputShape.length : incoming.length;
  return new DropoutLayer(incoming, { ...options, sharedAxes: Array.from({ length: Math.max(0, rank - 2) }, (_, i) => i + 2) });
}
/** Lasagne's alias of `dropoutChannels`. */
export const spatialDropout = dropoutChannels;

/** Drops whole locations, the mask shared over the channel axis (1). */
export function dropoutLocations(incoming: Incoming, options: Omit<DropoutLayerOptions, 'sharedAxes'> = {}): DropoutLayer {
  return new DropoutLayer(incoming, { ...options, sharedAxes: [1] });
}

export interface GaussianNoiseLayerOptions {
  /** Standard deviation of the added noise (default 0.1); a number or a symbolic scalar. */
  sigma?: number | ST;
  name?: string;
}
const NoiseSchema = z.strictObject({ ...layerBase, sigma: z.union([z.number().nonnegative(), symbolicScalar]).optional() });

/**
 * Lasagne's `GaussianNoiseLayer`: adds Normal(0, sigma) noise when training; the identity when `deterministic` or sigma = 0.
 *
 * @example
 * const l = new GaussianNoiseLayer(new InputLayer([null, 100]), { sigma: 0.1 });
 * l.outputShape; // [null, 100]
 */
export class GaussianNoiseLayer extends Layer {
  readonly sigma: number | ST;
  readonly srng: RandomStreams;
  constructor(incoming: Incoming, options: GaussianNoiseLayerOptions = {}) {
    const o = parseLayerOptions(NoiseSchema, options, 'GaussianNoiseLayer', rawName(options));
    super(incoming, { name: o.name });
    this.sigma = o.sigma ?? 0.1;
    this.srng = new RandomStreams(drawStreamSeed());
  }
  getOutputFor(input: ST, opts: GetOutputOptions = {}): ST {
    if (opts.deterministic || this.sigma === 0) return input;
    const shape = maskShape(input, []);
    if (typeof this.sigma === 'number') return add(input, this.srng.normal(shape, { avg: 0, std: this.sigma }));
    return add(input, mul(this.srng.normal(shape), cast(this.sigma, 'float32')));
  }
}
