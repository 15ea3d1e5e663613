import { concatenate, conv2d, slice, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import type { GetOutputOptions, Incoming } from './base';
import { BaseConvLayer, baseConvFields, type BaseConvLayerOptions } from './conv-base';
import { parseLayerOptions, rawName } from './options';

export interface Conv2DLayerOptions extends BaseConvLayerOptions {
  /** Filter groups: input channels and filters are split into this many groups, each convolved separately (default 1). */
  numGroups?: number;
}

const Schema = z.strictObject({ ...baseConvFields, numGroups: z.number().int().positive().optional() });

/**
 * Lasagne's `Conv2DLayer`: 2-D convolution of NCHW input with `numFilters` filters
 * (numFilters, channels / numGroups, rows, cols), plus biases and a nonlinearity.
 *
 * @example
 * const l = new Conv2DLayer([null, 3, 28, 28], { numFilters: 16, filterSize: 5, pad: 'same' });
 * l.outputShape; // [null, 16, 28, 28]
 */
export class Conv2DLayer extends BaseConvLayer {
  constructor(incoming: Incoming, options: Conv2DLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'Conv2DLayer', rawName(options));
    super(incoming, o, 2, { flipFilters: true });
  }

  /** The convolution alone (no bias, no nonlinearity); with numGroups > 1 one per group, concatenated. */
  convolve(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const borderMode = this.borderMode();
    const opts = { borderMode, subsample: this.stride as [number, number], filterFlip: this.flipFilters };
    if (this.numGroups === 1) return conv2d(input, this.W, opts);
    const cin = (this.inputShape[1] as number) / this.numGroups;
    const fout = this.numFilters / this.numGroups;
    const groups = Array.from({ length: this.numGroups }, (_, g) =>
      conv2d(input.at(slice(), slice(g * cin, (g + 1) * cin)), this.W.at(slice(g * fout, (g + 1) * fout)), opts),
    );
    return concatenate(groups, 1);
  }
}
