import { ShapeError, add, dim, div, formatShape, mul, pad, pow, slice, square, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { layerBase, parseLayerOptions, rawName } from './options';

export interface LocalResponseNormalization2DLayerOptions {
  /** Scale of the squared sum (default 1e-4; not divided by n, as in Lasagne). */
  alpha?: number;
  /** Offset (default 2). */
  k?: number;
  /** Exponent (default 0.75). */
  beta?: number;
  /** Odd number of adjacent channels summed over (default 5). */
  n?: number;
  name?: string;
}
const Schema = z.strictObject({
  ...layerBase,
  alpha: z.number().optional(),
  k: z.number().optional(),
  beta: z.number().optional(),
  n: z.number().int().positive().refine((v) => v % 2 === 1, { message: 'n must be odd (only odd n is supported, as in Lasagne)' }).optional(),
});

/**
 * Lasagne's `LocalResponseNormalization2DLayer` (Krizhevsky et al. 2012), across channels:
 * y[b, c] = x[b, c] / (k + alpha · Σ_{c' = c − n//2}^{c + n//2} x[b, c']²)^beta, channels out of
 * range counting as 0.
 *
 * @example
 * const l = new LocalResponseNormalization2DLayer([null, 16, 8, 8], { n: 3 });
 * l.outputShape; // [null, 16, 8, 8]
 */
export class LocalResponseNormalization2DLayer extends Layer {
  readonly alpha: number;
  readonly k: number;
  readonly beta: number;
  readonly n: number;
  constructor(incoming: Incoming, options: LocalResponseNormalization2DLayerOptions = {}) {
    const o = parseLayerOptions(Schema, options, 'LocalResponseNormalization2DLayer', rawName(options));
    super(incoming, { name: o.name });
    if (this.inputShape.length !== 4) throw new ShapeError(`${layerLabel(this)}: expected a 4-d input (batch size, channels, rows, cols), received input shape ${formatShape(this.inputShape)}.`);
    this.alpha = o.alpha ?? 1e-4;
    this.k = o.k ?? 2;
    this.beta = o.beta ?? 0.75;
    this.n = o.n ?? 5;
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const half = Math.floor(this.n / 2);
    const sq = pad(square(input), [[0, 0], [half, half], [0, 0], [0, 0]]);
    const ch: number | ST = input.shape[1] ?? dim(input, 1);
    let scale: ST | number = this.k;
    for (let i = 0; i < this.n; i++) {
      const stop = typeof ch === 'number' ? i + ch : add(ch, i);
      scale = add(scale, mul(sq.at(slice(), slice(i, stop)), this.alpha));
    }
    return div(input, pow(scale, this.beta));
  }
}
