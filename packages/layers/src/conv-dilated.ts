import { OptionsError, conv2d, dimshuffle, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { layerLabel, type GetOutputOptions, type Incoming } from './base';
import { BaseConvLayer, asTuple, baseConvFields, convOutputLength, type BaseConvLayerOptions } from './conv-base';
import { parseLayerOptions, rawName } from './options';

export interface DilatedConv2DLayerOptions extends Omit<BaseConvLayerOptions, 'stride'> {
  /** Spacing between the filter taps per axis (default 1); the output is input − (filter − 1)·dilation. */
  dilation?: number | readonly number[];
}

const { stride, ...fields } = baseConvFields;
void stride;
const posInt = z.number().int().positive();
const Schema = z.strictObject({ ...fields, dilation: z.union([posInt, z.array(posInt)]).optional() });

/**
 * Lasagne's `DilatedConv2DLayer`: a dilated (atrous) 2-D cross-correlation,
 * y[n, f, r, c] = Σ x[n, ch, r + i·d0, c + j·d1] · W[ch, f, i, j], filters (inputChannels,
 * numFilters, rows, cols). As in Lasagne it needs pad 0 (add a PadLayer for padding) and
 * `flipFilters: false`.
 *
 * @example
 * const l = new DilatedConv2DLayer([null, 3, 32, 32], { numFilters: 8, filterSize: 3, dilation: 2 });
 * l.outputShape; // [null, 8, 28, 28]
 */
export class DilatedConv2DLayer extends BaseConvLayer {
  declare dilation: readonly number[];

  constructor(incoming: Incoming, options: DilatedConv2DLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'DilatedConv2DLayer', rawName(options));
    super(incoming, o, 2, { flipFilters: false });
  }

  protected override configure(o: BaseConvLayerOptions & { dilation?: number | readonly number[] }): void {
    const where = layerLabel(this);
    if (this.pad === 'full' || this.pad === 'same' || this.pad.some((p) => p !== 0)) {
      throw new OptionsError(`${where} requires pad 0 ('valid'), received ${JSON.stringify(o.pad)}; for a padded dilated convolution, add a PadLayer before it.`);
    }
    if (this.flipFilters) throw new OptionsError(`${where} requires flipFilters: false.`);
    this.dilation = asTuple(o.dilation ?? 1, 2, 'dilation', where);
  }

  /** (inputChannels, numFilters, rows, cols): the first two swapped compared to Conv2DLayer. */
  override getWShape(): number[] {
    return [this.inputShape[1] as number, this.numFilters, ...this.filterSize];
  }

  override getOutputShapeFor(inputShape: Shape): Shape {
    return [inputShape[0], this.numFilters, ...this.filterSize.map((f, i) => convOutputLength(inputShape[2 + i], (f - 1) * this.dilation[i] + 1, 1, 0))];
  }

  convolve(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return conv2d(input, dimshuffle(this.W, [1, 0, 2, 3]), { filterFlip: false, filterDilation: this.dilation as [number, number] });
  }
}
