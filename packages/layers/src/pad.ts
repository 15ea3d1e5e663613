import { OptionsError, ShapeError, cast, formatShape, pad as padOp, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { layerBase, parseLayerOptions, rawName } from './options';

/** One width for every padded axis, or one per axis: an int (both sides) or [before, after]. */
export type PadWidth = number | readonly (number | readonly [number, number])[];

export interface PadLayerOptions {
  /** The padding of each axis after the first `batchNdim`. */
  width: PadWidth;
  /** The fill value (default 0). */
  val?: number;
  /** Leading axes left alone (default 2: batch and channels). */
  batchNdim?: number;
  name?: string;
}
const nonNeg = z.number().int().nonnegative();
const Schema = z.strictObject({
  ...layerBase,
  width: z.union([nonNeg, z.array(z.union([nonNeg, z.tuple([nonNeg, nonNeg])]))]),
  val: z.number().optional(),
  batchNdim: z.number().int().nonnegative().optional(),
});

/**
 * Lasagne's `PadLayer`: pads every axis after the first `batchNdim` with `val` (Lasagne's
 * `padding.pad`); `width` is one int for all of them, or per axis an int or [before, after].
 * The output is float32, as Lasagne's (it writes the input into `T.zeros`).
 *
 * @example
 * const l = new PadLayer([null, 3, 28, 28], { width: [[1, 2], 3] });
 * l.outputShape; // [null, 3, 31, 34]
 */
export class PadLayer extends Layer {
  readonly width: PadWidth;
  readonly val: number;
  readonly batchNdim: number;
  /** [before, after] for every axis (zeros on the batch axes). */
  readonly widths: readonly (readonly [number, number])[];
  constructor(incoming: Incoming, options: PadLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'PadLayer', rawName(options));
    super(incoming, { name: o.name });
    const where = layerLabel(this);
    this.width = o.width;
    this.val = o.val ?? 0;
    this.batchNdim = o.batchNdim ?? 2;
    const rank = this.inputShape.length;
    if (this.batchNdim > rank) throw new ShapeError(`${where}: batchNdim ${this.batchNdim} exceeds the rank of input shape ${formatShape(this.inputShape)}.`);
    const list = typeof o.width === 'number' ? new Array(rank - this.batchNdim).fill(o.width) : o.width;
    if (list.length > rank - this.batchNdim) {
      throw new OptionsError(`${where}: ${list.length} widths for the ${rank - this.batchNdim} axes after batchNdim ${this.batchNdim} of input shape ${formatShape(this.inputShape)}.`);
    }
    const pairs = list.map((w) => (typeof w === 'number' ? ([w, w] as const) : ([w[0], w[1]] as const)));
    this.widths = this.inputShape.map((_, i) => (i < this.batchNdim ? ([0, 0] as const) : (pairs[i - this.batchNdim] ?? ([0, 0] as const))));
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    return inputShape.map((d, i) => (d === null ? null : d + this.widths[i][0] + this.widths[i][1]));
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return padOp(cast(input, 'float32'), this.widths, this.val);
  }
}
