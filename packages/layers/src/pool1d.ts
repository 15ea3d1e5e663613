import { ShapeError, dimshuffle, formatShape, pool2d, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { layerBase, parseLayerOptions, rawName } from './options';
import { layerPoolMode, poolOutputLength, type PoolMode } from './pool';

export interface Pool1DLayerOptions {
  poolSize: number;
  /** Default: poolSize. */
  stride?: number | null;
  /** Default 0; must be smaller than the pool size, and needs ignoreBorder. */
  pad?: number;
  /** Default true: windows that run over the end are dropped. */
  ignoreBorder?: boolean;
  /** Default 'max'. */
  mode?: PoolMode;
  name?: string;
}
export type MaxPool1DLayerOptions = Omit<Pool1DLayerOptions, 'mode'>;

const base = {
  ...layerBase,
  poolSize: z.number().int().positive(),
  stride: z.number().int().positive().nullable().optional(),
  pad: z.number().int().nonnegative().optional(),
  ignoreBorder: z.boolean().optional(),
};
const PoolSchema = z.strictObject({ ...base, mode: layerPoolMode.optional() });
const MaxPoolSchema = z.strictObject(base);

/**
 * Lasagne's `Pool1DLayer`: pooling over the last axis of a (batch, channels, length) input
 * ('max', 'average_inc_pad' or 'average_exc_pad'), computed as a 2-D pooling with a unit axis.
 *
 * @example
 * const l = new Pool1DLayer([null, 4, 11], { poolSize: 3, stride: 2, mode: 'average_exc_pad' });
 * l.outputShape; // [null, 4, 5]
 */
export class Pool1DLayer extends Layer {
  readonly poolSize: number;
  readonly stride: number;
  readonly pad: number;
  readonly ignoreBorder: boolean;
  readonly mode: PoolMode;

  constructor(incoming: Incoming, options: Pool1DLayerOptions) {
    const cls = new.target === MaxPool1DLayer ? 'MaxPool1DLayer' : 'Pool1DLayer';
    const o = parseLayerOptions(cls === 'MaxPool1DLayer' ? MaxPoolSchema : PoolSchema, options, cls, rawName(options)) as z.infer<typeof PoolSchema>;
    super(incoming, { name: o.name });
    const where = layerLabel(this);
    if (this.inputShape.length !== 3) {
      throw new ShapeError(`${where}: expected a 3-d input (batch size, channels, length), received input shape ${formatShape(this.inputShape)}.`);
    }
    this.poolSize = o.poolSize;
    this.stride = o.stride ?? o.poolSize;
    this.pad = o.pad ?? 0;
    this.ignoreBorder = o.ignoreBorder ?? true;
    this.mode = (cls === 'MaxPool1DLayer' ? 'max' : o.mode) ?? 'max';
    if (!this.ignoreBorder && this.pad !== 0) throw new ShapeError(`${where}: padding ${this.pad} requires ignoreBorder = true.`);
    if (this.pad >= this.poolSize) throw new ShapeError(`${where}: padding ${this.pad} must be smaller than the pool size ${this.poolSize}.`);
    const len = this.outputShape[2];
    if (len !== null && len <= 0) throw new ShapeError(`${where}: a pool size of ${this.poolSize} does not fit input shape ${formatShape(this.inputShape)}.`);
  }

  override getOutputShapeFor(inputShape: Shape): Shape {
    return [inputShape[0], inputShape[1], poolOutputLength(inputShape[2], this.poolSize, this.stride, this.pad, this.ignoreBorder)];
  }

  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const pooled = pool2d(dimshuffle(input, [0, 1, 2, 'x']), { ws: [this.poolSize, 1], stride: [this.stride, 1], pad: [this.pad, 0], ignoreBorder: this.ignoreBorder, mode: this.mode });
    return dimshuffle(pooled, [0, 1, 2]);
  }
}

/**
 * Lasagne's `MaxPool1DLayer`: Pool1DLayer with mode 'max'.
 *
 * @example
 * new MaxPool1DLayer([null, 4, 10], { poolSize: 2 }).outputShape; // [null, 4, 5]
 */
export class MaxPool1DLayer extends Pool1DLayer {
  constructor(incoming: Incoming, options: MaxPool1DLayerOptions) {
    super(incoming, options);
  }
}
