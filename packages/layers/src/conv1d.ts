import { conv2d, dimshuffle, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import type { GetOutputOptions, Incoming } from './base';
import { BaseConvLayer, baseConvFields, type BaseConvLayerOptions } from './conv-base';
import { parseLayerOptions, rawName } from './options';

export type Conv1DLayerOptions = BaseConvLayerOptions;
const Schema = z.strictObject(baseConvFields);

/**
 * Lasagne's `Conv1DLayer`: 1-D convolution of (batch, channels, length) input with filters
 * (numFilters, channels, filterSize), computed as a 2-D convolution with a unit row axis
 * (Lasagne's `conv1d_mc0`).
 *
 * @example
 * const l = new Conv1DLayer([null, 4, 100], { numFilters: 8, filterSize: 3, stride: 2 });
 * l.outputShape; // [null, 8, 49]
 */
export class Conv1DLayer extends BaseConvLayer {
  constructor(incoming: Incoming, options: Conv1DLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'Conv1DLayer', rawName(options));
    super(incoming, o, 1, { flipFilters: true });
  }

  convolve(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const borderMode = this.borderMode();
    const x = dimshuffle(input, [0, 1, 'x', 2]);
    const w = dimshuffle(this.W, [0, 1, 'x', 2]);
    const conved = conv2d(x, w, { borderMode, subsample: [1, this.stride[0]], filterFlip: this.flipFilters });
    return dimshuffle(conved, [0, 1, 3]);
  }
}
