import { OptionsError, convTranspose2d, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { layerLabel, type GetOutputOptions, type Incoming } from './base';
import { BaseConvLayer, baseConvFields, convInputLength, type BaseConvLayerOptions, type ConvPad } from './conv-base';
import { parseLayerOptions, rawName, symbolicScalar } from './options';

export interface TransposedConv2DLayerOptions extends Omit<BaseConvLayerOptions, 'pad'> {
  /** What the transposed convolution crops from its full output: as a convolution's pad (default 0). */
  crop?: ConvPad;
  /**
   * The output's spatial size (an int, or one per axis: ints or symbolic int scalars); default the
   * smallest, (in − 1)·stride − 2·crop + filter. With stride > 1 up to stride − 1 more fit.
   */
  outputSize?: number | readonly (number | ST)[] | null;
}

const { pad, ...fields } = baseConvFields;
const sizeEntry = z.union([z.number().int().positive(), symbolicScalar]);
const Schema = z.strictObject({ ...fields, crop: pad, outputSize: z.union([z.number().int().positive(), z.array(sizeEntry)]).nullable().optional() });

/**
 * Lasagne's `TransposedConv2DLayer` (alias `Deconv2DLayer`): the transposed 2-D convolution, i.e.
 * the gradient of a Conv2DLayer's convolution with respect to its input, applied to this layer's
 * input. It maps (batch, inputChannels, h, w) to (batch, numFilters, (h − 1)·stride − 2·crop +
 * filter, ...), with filters W of shape (inputChannels, numFilters, rows, cols): a Conv2DLayer
 * with the same options maps the output back to the input's shape. `flipFilters` defaults to
 * false (Lasagne's), which makes it the exact transpose of a Conv2DLayer with `flipFilters: true`.
 *
 * @example
 * const l = new TransposedConv2DLayer([null, 8, 7, 7], { numFilters: 3, filterSize: 4, stride: 2, crop: 1 });
 * l.outputShape; // [null, 3, 14, 14]
 */
export class TransposedConv2DLayer extends BaseConvLayer {
  /** The requested output size (numbers or symbolic int scalars), or null for the smallest. */
  declare outputSize: readonly [number | ST, number | ST] | null;

  constructor(incoming: Incoming, options: TransposedConv2DLayerOptions) {
    const o = parseLayerOptions(Schema, options, new.target.name, rawName(options));
    super(incoming, { ...o, pad: o.crop }, 2, { flipFilters: false });
  }

  /** Lasagne's name for the padding of the forward convolution this layer transposes. */
  get crop(): readonly number[] | 'full' | 'same' {
    return this.pad;
  }

  protected override configure(o: BaseConvLayerOptions & { outputSize?: number | readonly (number | ST)[] | null }): void {
    const s = o.outputSize;
    if (s === undefined || s === null) this.outputSize = null;
    else if (typeof s === 'number') this.outputSize = [s, s];
    else if (s.length !== 2) throw new OptionsError(`${layerLabel(this)}: outputSize must be an int or 2 entries, received ${s.length}.`);
    else this.outputSize = [s[0], s[1]];
  }

  /** (inputChannels, numFilters, rows, cols): the first two swapped compared to a forward convolution. */
  override getWShape(): number[] {
    return [this.inputShape[1] as number, this.numFilters, ...this.filterSize];
  }

  override getOutputShapeFor(inputShape: Shape): Shape {
    if (this.outputSize) return [inputShape[0], this.numFilters, ...this.outputSize.map((v) => (typeof v === 'number' ? v : null))];
    const crops = this.padPerAxis();
    return [inputShape[0], this.numFilters, ...this.filterSize.map((f, i) => convInputLength(inputShape[2 + i], f, this.stride[i], crops[i]))];
  }

  convolve(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const borderMode = this.borderMode();
    return convTranspose2d(input, this.W, { borderMode, subsample: this.stride as [number, number], filterFlip: !this.flipFilters, outputSize: this.outputSize });
  }
}

/** Lasagne's alias of TransposedConv2DLayer. */
export const Deconv2DLayer = TransposedConv2DLayer;
export type Deconv2DLayer = TransposedConv2DLayer;
export type Deconv2DLayerOptions = TransposedConv2DLayerOptions;
