import { OptionsError, ShapeError, dim, formatShape, max, reshape, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { layerBase, parseLayerOptions, rawName } from './options';
import type { PoolFunction } from './pool';

export interface FeaturePoolLayerOptions {
  /** The number of adjacent features pooled into one. */
  poolSize: number;
  /** The feature axis (default 1). */
  axis?: number;
  /** The reduction over each group, (x, axis) => expression; default core's max (maxout). */
  poolFunction?: PoolFunction;
  name?: string;
}
const Schema = z.strictObject({
  ...layerBase,
  poolSize: z.number().int().positive(),
  axis: z.number().int().optional(),
  poolFunction: z.custom<PoolFunction>((v) => typeof v === 'function', { message: 'expected a function (x, axis) => expression, e.g. max or mean' }).optional(),
});

/** The feature axis (made non-negative), checked against the input shape; its size must be a known multiple of poolSize. */
export function featureAxis(layer: Layer, axis: number, poolSize: number): number {
  const where = layerLabel(layer);
  const shape = layer.inputShape;
  const a = axis < 0 ? axis + shape.length : axis;
  if (a < 0 || a >= shape.length) throw new ShapeError(`${where}: axis ${axis} is out of range for input shape ${formatShape(shape)}.`);
  const n = shape[a];
  if (n === null) throw new ShapeError(`${where}: the number of features (axis ${axis}) must be known, received input shape ${formatShape(shape)}.`);
  if (n % poolSize !== 0) throw new OptionsError(`${where}: the number of input features (${n}) is not a multiple of the pool size (poolSize=${poolSize}).`);
  return a;
}

/** The input reshaped with the feature axis split into (features / poolSize, poolSize). */
export function splitFeatures(input: ST, axis: number, poolSize: number): ST {
  const size = (i: number): number | ST => input.shape[i] ?? dim(input, i);
  const f = input.shape[axis];
  const shape = input.shape.flatMap((_, i) => (i === axis ? [f === null ? -1 : f / poolSize, poolSize] : [size(i)]));
  return reshape(input, shape);
}

/**
 * Lasagne's `FeaturePoolLayer`: pools groups of `poolSize` adjacent features along `axis` with
 * `poolFunction` (max by default: a maxout layer, Goodfellow et al. 2013).
 *
 * @example
 * const l = new FeaturePoolLayer([null, 12, 5], { poolSize: 3 });
 * l.outputShape; // [null, 4, 5]
 */
export class FeaturePoolLayer extends Layer {
  readonly poolSize: number;
  readonly axis: number;
  readonly poolFunction: PoolFunction;
  constructor(incoming: Incoming, options: FeaturePoolLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'FeaturePoolLayer', rawName(options));
    super(incoming, { name: o.name });
    this.poolSize = o.poolSize;
    this.axis = featureAxis(this, o.axis ?? 1, o.poolSize);
    this.poolFunction = o.poolFunction ?? ((x, a) => max(x, a));
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    return inputShape.map((d, i) => (i === this.axis && d !== null ? Math.floor(d / this.poolSize) : d));
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return this.poolFunction(splitFeatures(input, this.axis, this.poolSize), this.axis + 1);
  }
}
