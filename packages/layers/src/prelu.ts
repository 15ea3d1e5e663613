import { dimshuffle, type SharedVariable, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { Constant } from './init';
import { identity, leakyRelu, type Nonlinearity } from './nonlinearities';
import { layerBase, paramSpec, parseLayerOptions, rawName } from './options';
import type { ParamSpec } from './param';
import { broadcastPattern, paramShape, resolveSharedAxes, sharedAxesSchema, type SharedAxes } from './special';

export interface ParametricRectifierLayerOptions {
  /** The leakiness α (learned, not regularized); default Constant(0.25). */
  alpha?: ParamSpec;
  /** Axes α is shared over: 'auto' (all but the second, default), 'all', an axis or a list. */
  sharedAxes?: SharedAxes | 'all';
  name?: string;
}
const Schema = z.strictObject({ ...layerBase, alpha: paramSpec.optional(), sharedAxes: z.union([sharedAxesSchema, z.literal('all')]).optional() });

/**
 * Lasagne's `ParametricRectifierLayer` (PReLU, He et al. 2015): x for x > 0, α·x otherwise, with
 * a learned α per channel (by default; shared over the other axes).
 *
 * @example
 * const l = new ParametricRectifierLayer([null, 16, 8, 8]);
 * l.alpha.shape; // [16]
 */
export class ParametricRectifierLayer extends Layer {
  readonly sharedAxes: readonly number[];
  alpha: SharedVariable;
  constructor(incoming: Incoming, options: ParametricRectifierLayerOptions = {}) {
    const o = parseLayerOptions(Schema, options, 'ParametricRectifierLayer', rawName(options));
    super(incoming, { name: o.name });
    const rank = this.inputShape.length;
    this.sharedAxes = o.sharedAxes === 'all' ? Array.from({ length: rank }, (_, i) => i) : resolveSharedAxes(o.sharedAxes, this.inputShape, layerLabel(this));
    this.alpha = this.addParam(o.alpha ?? new Constant(0.25), paramShape(this.inputShape, this.sharedAxes, layerLabel(this), "alpha's"), 'alpha', { regularizable: false });
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return leakyRelu(input, dimshuffle(this.alpha, broadcastPattern(input.ndim, this.sharedAxes)));
  }
}

/**
 * Lasagne's `prelu(layer)`: moves the layer's nonlinearity out (sets it to the identity) and
 * stacks a ParametricRectifierLayer on top.
 *
 * @example
 * const l = prelu(new DenseLayer([null, 20], { numUnits: 10 }));
 * l instanceof ParametricRectifierLayer; // true
 */
export function prelu(layer: Layer, options: ParametricRectifierLayerOptions = {}): ParametricRectifierLayer {
  const l = layer as Layer & { nonlinearity?: Nonlinearity | null };
  if (l.nonlinearity !== undefined && l.nonlinearity !== null) l.nonlinearity = identity;
  return new ParametricRectifierLayer(layer, options);
}
