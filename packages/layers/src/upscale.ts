import { ShapeError, constant, dilate, dim, dimshuffle, formatShape, mul, reshape, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { intPair, layerBase, pair, parseLayerOptions, rawName } from './options';

export interface Upscale2DLayerOptions {
  /** An int or [rows, cols] (each ≥ 1). */
  scaleFactor: number | readonly [number, number];
  /** 'repeat' (default) copies each value into a block; 'dilate' puts it at the block's top left and zeros elsewhere. */
  mode?: 'repeat' | 'dilate';
  name?: string;
}
const Schema = z.strictObject({ ...layerBase, scaleFactor: intPair, mode: z.enum(['repeat', 'dilate']).optional() });

/**
 * Lasagne's `Upscale2DLayer`: scales the last two axes of a 4-d input up by integer factors,
 * repeating each value (`'repeat'`, nearest neighbour) or spreading the values apart with zeros
 * (`'dilate'`).
 *
 * @example
 * const l = new Upscale2DLayer([null, 3, 7, 5], { scaleFactor: [2, 3] });
 * l.outputShape; // [null, 3, 14, 15]
 */
export class Upscale2DLayer extends Layer {
  readonly scaleFactor: [number, number];
  readonly mode: 'repeat' | 'dilate';
  constructor(incoming: Incoming, options: Upscale2DLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'Upscale2DLayer', rawName(options));
    super(incoming, { name: o.name });
    if (this.inputShape.length !== 4) throw new ShapeError(`${layerLabel(this)}: expected a 4-d input (batch size, channels, rows, cols), received input shape ${formatShape(this.inputShape)}.`);
    this.scaleFactor = pair(o.scaleFactor);
    this.mode = o.mode ?? 'repeat';
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    const [a, b] = this.scaleFactor;
    return [inputShape[0], inputShape[1], inputShape[2] === null ? null : inputShape[2] * a, inputShape[3] === null ? null : inputShape[3] * b];
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const [a, b] = this.scaleFactor;
    if (a === 1 && b === 1) return input;
    if (this.mode === 'dilate') return dilate(input, [1, 1, a, b]);
    // (N, C, H, 1, W, 1) · ones(1, 1, 1, a, 1, b) → (N, C, H·a, W·b)
    const blocks = mul(dimshuffle(input, [0, 1, 2, 'x', 3, 'x']), constant({ data: new Float32Array(a * b).fill(1), shape: [1, 1, 1, a, 1, b] }, { dtype: input.dtype }));
    const size = (axis: number, f: number): number | ST => (input.shape[axis] === null ? mul(dim(input, axis), f) : (input.shape[axis] as number) * f);
    return reshape(blocks, [input.shape[0] ?? dim(input, 0), input.shape[1] ?? dim(input, 1), size(2, a), size(3, b)]);
  }
}
