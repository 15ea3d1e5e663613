import { ShapeError, flatten, formatShape, mean, pool2d, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { intPair, layerBase, nonNegIntPair, pair, parseLayerOptions, rawName } from './options';

export type PoolMode = 'max' | 'average_inc_pad' | 'average_exc_pad';

/**
 * Lasagne's `pool_output_length`: with ignoreBorder ((L + 2p − ps + 1) + s − 1) // s; without
 * (pad 0): ceil(L / s) if s ≥ ps, else max(0, (L − ps + s − 1) // s) + 1; null when L is.
 */
export function poolOutputLength(inputLength: number | null, poolSize: number, stride: number, pad: number, ignoreBorder: boolean): number | null {
  if (inputLength === null) return null;
  if (ignoreBorder) return Math.floor((inputLength + 2 * pad - poolSize + 1 + stride - 1) / stride);
  if (pad !== 0) throw new ShapeError(`poolOutputLength: padding requires ignoreBorder = true.`);
  if (stride >= poolSize) return Math.floor((inputLength + stride - 1) / stride);
  return Math.max(0, Math.floor((inputLength - poolSize + stride - 1) / stride)) + 1;
}

export interface Pool2DLayerOptions {
  /** An int or [rows, cols]. */
  poolSize: number | readonly [number, number];
  /** Default: poolSize. */
  stride?: number | readonly [number, number] | null;
  /** Default 0; must be smaller than the pool size, and needs ignoreBorder. */
  pad?: number | readonly [number, number];
  /** Default true: windows that run over the border are dropped. */
  ignoreBorder?: boolean;
  /** Default 'max'. */
  mode?: PoolMode;
  name?: string;
}
export type MaxPool2DLayerOptions = Omit<Pool2DLayerOptions, 'mode'>;

const base = {
  ...layerBase,
  poolSize: intPair,
  stride: intPair.nullable().optional(),
  pad: nonNegIntPair.optional(),
  ignoreBorder: z.boolean().optional(),
};
/** The pooling modes Lasagne's pool layers accept (core's `pool2d` also has 'sum'). */
export const layerPoolMode = z.enum(['max', 'average_inc_pad', 'average_exc_pad']);
const PoolSchema = z.strictObject({ ...base, mode: layerPoolMode.optional() });
const MaxPoolSchema = z.strictObject(base);

/**
 * Lasagne's `Pool2DLayer`: 2-D pooling of NCHW input ('max', 'average_inc_pad' or 'average_exc_pad').
 *
 * @example
 * const l = new Pool2DLayer(new InputLayer([null, 16, 28, 28]), { poolSize: 2, mode: 'average_inc_pad' });
 * l.outputShape; // [null, 16, 14, 14]
 */
export class Pool2DLayer extends Layer {
  readonly poolSize: [number, number];
  readonly stride: [number, number];
  readonly pad: [number, number];
  readonly ignoreBorder: boolean;
  readonly mode: PoolMode;

  constructor(incoming: Incoming, options: Pool2DLayerOptions) {
    const cls = new.target === MaxPool2DLayer ? 'MaxPool2DLayer' : 'Pool2DLayer';
    const o = parseLayerOptions(cls === 'MaxPool2DLayer' ? MaxPoolSchema : PoolSchema, options, cls, rawName(options)) as z.infer<typeof PoolSchema>;
    super(incoming, { name: o.name });
    const where = layerLabel(this);
    if (this.inputShape.length !== 4) {
      throw new ShapeError(`${where}: expected a 4-d input (batch size, channels, rows, cols), received input shape ${formatShape(this.inputShape)}.`);
    }
    this.poolSize = pair(o.poolSize);
    this.stride = o.stride == null ? this.poolSize : pair(o.stride);
    this.pad = pair(o.pad ?? 0);
    this.ignoreBorder = o.ignoreBorder ?? true;
    this.mode = (cls === 'MaxPool2DLayer' ? 'max' : o.mode) ?? 'max';
    if (!this.ignoreBorder && this.pad.some((p) => p !== 0)) {
      throw new ShapeError(`${where}: padding ${formatShape(this.pad)} requires ignoreBorder = true.`);
    }
    if (this.pad.some((p, i) => p >= this.poolSize[i])) {
      throw new ShapeError(`${where}: padding ${formatShape(this.pad)} must be smaller than the pool size ${formatShape(this.poolSize)}.`);
    }
    const out = this.outputShape;
    if (out[2] === 0 || out[3] === 0 || (out[2] !== null && out[2] < 0) || (out[3] !== null && out[3] < 0)) {
      throw new ShapeError(`${where}: a pool size of ${formatShape(this.poolSize)} does not fit input shape ${formatShape(this.inputShape)} (output shape ${formatShape(out)}).`);
    }
  }

  override getOutputShapeFor(inputShape: Shape): Shape {
    return [
      inputShape[0],
      inputShape[1],
      ...[0, 1].map((i) => poolOutputLength(inputShape[2 + i], this.poolSize[i], this.stride[i], this.pad[i], this.ignoreBorder)),
    ];
  }

  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return pool2d(input, { ws: this.poolSize, stride: this.stride, pad: this.pad, ignoreBorder: this.ignoreBorder, mode: this.mode });
  }
}

/**
 * Lasagne's `MaxPool2DLayer`: `Pool2DLayer` with mode 'max'.
 *
 * @example
 * const l = new MaxPool2DLayer(new InputLayer([null, 16, 28, 28]), { poolSize: 2 });
 * l.outputShape; // [null, 16, 14, 14]
 */
export class MaxPool2DLayer extends Pool2DLayer {
  constructor(incoming: Incoming, options: MaxPool2DLayerOptions) {
    super(incoming, options);
  }
}

/** A reduction over one axis, like core's `mean` or `max`. */
export type PoolFunction = (x: ST, axis: number) => ST;

export interface GlobalPoolLayerOptions {
  /** Default mean; e.g. core's `max`. */
  poolFunction?: PoolFunction;
  name?: string;
}
const GlobalSchema = z.strictObject({ ...layerBase, poolFunction: z.custom<PoolFunction>((v) => typeof v === 'function', { message: 'expected a function (x, axis) => expression, e.g. mean or max' }).optional() });

/**
 * Lasagne's `GlobalPoolLayer`: pools over all axes after the second ((N, C, ...) → (N, C)).
 *
 * @example
 * const l = new GlobalPoolLayer(new InputLayer([null, 16, 7, 7]));
 * l.outputShape; // [null, 16]
 */
export class GlobalPoolLayer extends Layer {
  readonly poolFunction: PoolFunction;
  constructor(incoming: Incoming, options: GlobalPoolLayerOptions = {}) {
    const o = parseLayerOptions(GlobalSchema, options, 'GlobalPoolLayer', rawName(options));
    super(incoming, { name: o.name });
    if (this.inputShape.length < 2) throw new ShapeError(`${layerLabel(this)}: expected an input with at least 2 dimensions, received input shape ${formatShape(this.inputShape)}.`);
    this.poolFunction = o.poolFunction ?? ((x, axis) => mean(x, axis));
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    return inputShape.slice(0, 2);
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    if (input.ndim === 2) return input;
    return this.poolFunction(flatten(input, 3), 2);
  }
}
