import { arange, argmax, cast, dimshuffle, eq, mul, reshape, shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, type GetOutputOptions, type Incoming } from './base';
import { featureAxis, splitFeatures } from './feature-pool';
import { layerBase, parseLayerOptions, rawName } from './options';

export interface FeatureWTALayerOptions {
  /** The number of adjacent features in each group. */
  poolSize: number;
  /** The feature axis (default 1). */
  axis?: number;
  name?: string;
}
const Schema = z.strictObject({ ...layerBase, poolSize: z.number().int().positive(), axis: z.number().int().optional() });

/**
 * Lasagne's `FeatureWTALayer` (winner takes all): in each group of `poolSize` adjacent features
 * along `axis`, keeps the largest and sets the others to 0 (the first maximum wins ties).
 *
 * @example
 * const l = new FeatureWTALayer([null, 12], { poolSize: 4 });
 * l.outputShape; // [null, 12]
 */
export class FeatureWTALayer extends Layer {
  readonly poolSize: number;
  readonly axis: number;
  constructor(incoming: Incoming, options: FeatureWTALayerOptions) {
    const o = parseLayerOptions(Schema, options, 'FeatureWTALayer', rawName(options));
    super(incoming, { name: o.name });
    this.poolSize = o.poolSize;
    this.axis = featureAxis(this, o.axis ?? 1, o.poolSize);
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const grouped = splitFeatures(input, this.axis, this.poolSize);
    const winner = argmax(grouped, this.axis + 1, true);
    // arange(poolSize) along the group axis, broadcast over the others
    const pattern = grouped.shape.map((_, i) => (i === this.axis + 1 ? 0 : 'x')) as (0 | 'x')[];
    const positions = dimshuffle(arange(this.poolSize), pattern);
    const mask = reshape(cast(eq(winner, positions), input.dtype), shape(input));
    return mul(input, mask);
  }
}
