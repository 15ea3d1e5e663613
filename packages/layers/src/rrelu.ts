import { OptionsError, RandomStreams, type ST, add, asTensor, dim, mul, sub } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { identity, leakyRelu, type Nonlinearity } from './nonlinearities';
import { layerBase, parseLayerOptions, rawName, symbolicScalar } from './options';
import { drawStreamSeed } from './random';
import { resolveSharedAxes, sharedAxesSchema, type SharedAxes } from './special';

export interface RandomizedRectifierLayerOptions {
  /** Lower bound of the random leakiness (default 0.3); a number or a symbolic scalar. */
  lower?: number | ST;
  /** Upper bound (default 0.8). */
  upper?: number | ST;
  /** Axes one leakiness is shared over: 'auto' (all but the second, default), 'all', an axis or a list. */
  sharedAxes?: SharedAxes | 'all';
  name?: string;
}
const bound = z.union([z.number(), symbolicScalar]);
const Schema = z.strictObject({ ...layerBase, lower: bound.optional(), upper: bound.optional(), sharedAxes: z.union([sharedAxesSchema, z.literal('all')]).optional() });

/**
 * Lasagne's `RandomizedRectifierLayer` (RReLU, Xu et al. 2015): when training, x for x > 0 and
 * a·x otherwise with a drawn from U(lower, upper) on every call (one per position, shared over
 * `sharedAxes`); when deterministic, the fixed leakiness (lower + upper) / 2.
 *
 * @example
 * const l = new RandomizedRectifierLayer(new InputLayer([null, 16, 8, 8]), { lower: 0.1, upper: 0.3 });
 * const train = getOutput(l); // slopes drawn from U(0.1, 0.3) on every call
 * const test = getOutput(l, { deterministic: true }); // leakiness 0.2
 */
export class RandomizedRectifierLayer extends Layer {
  readonly lower: number | ST;
  readonly upper: number | ST;
  readonly sharedAxes: readonly number[];
  /** The layer's random stream (seeded from `getRng()` when built). */
  readonly srng: RandomStreams;
  constructor(incoming: Incoming, options: RandomizedRectifierLayerOptions = {}) {
    const o = parseLayerOptions(Schema, options, 'RandomizedRectifierLayer', rawName(options));
    super(incoming, { name: o.name });
    this.lower = o.lower ?? 0.3;
    this.upper = o.upper ?? 0.8;
    if (typeof this.lower === 'number' && typeof this.upper === 'number' && this.lower > this.upper) {
      throw new OptionsError(`${layerLabel(this)}: the upper bound (${this.upper}) must be at least the lower bound (${this.lower}).`);
    }
    const rank = this.inputShape.length;
    this.sharedAxes = o.sharedAxes === 'all' ? Array.from({ length: rank }, (_, i) => i) : resolveSharedAxes(o.sharedAxes, this.inputShape, layerLabel(this));
    this.srng = new RandomStreams(drawStreamSeed());
  }
  getOutputFor(input: ST, opts: GetOutputOptions = {}): ST {
    const lo = asTensor(this.lower);
    const hi = asTensor(this.upper);
    if (opts.deterministic || this.upper === this.lower) return leakyRelu(input, mul(add(lo, hi), 0.5));
    // One draw per position, size 1 (broadcast) on the shared axes.
    const shape = input.shape.map((d, i) => (this.sharedAxes.includes(i) ? 1 : (d ?? dim(input, i))));
    const u = this.srng.uniform(shape);
    return leakyRelu(input, add(lo, mul(u, sub(hi, lo))));
  }
}

/**
 * Lasagne's `rrelu(layer)`: moves the layer's nonlinearity out and stacks a
 * RandomizedRectifierLayer on top.
 *
 * @example
 * const l = rrelu(new DenseLayer([null, 20], { numUnits: 10 }));
 * l instanceof RandomizedRectifierLayer; // true
 */
export function rrelu(layer: Layer, options: RandomizedRectifierLayerOptions = {}): RandomizedRectifierLayer {
  const l = layer as Layer & { nonlinearity?: Nonlinearity | null };
  if (l.nonlinearity !== undefined && l.nonlinearity !== null) l.nonlinearity = identity;
  return new RandomizedRectifierLayer(layer, options);
}
