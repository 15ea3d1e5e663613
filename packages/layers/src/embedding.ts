import { DTypeError, take, type SharedVariable, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { Normal } from './init';
import { layerBase, paramSpec, parseLayerOptions, rawName } from './options';
import type { ParamSpec } from './param';

export interface EmbeddingLayerOptions {
  /** The number of different indices (rows of W). */
  inputSize: number;
  /** The size of each embedding (columns of W). */
  outputSize: number;
  /** The embeddings (inputSize, outputSize); default Normal(). */
  W?: ParamSpec;
  name?: string;
}
const Schema = z.strictObject({ ...layerBase, inputSize: z.number().int().positive(), outputSize: z.number().int().positive(), W: paramSpec.optional() });

/**
 * Lasagne's `EmbeddingLayer`: maps integer indices to rows of W, so an int input of shape S
 * gives S + (outputSize,). The input must be an int tensor (e.g. `imatrix()`).
 *
 * @example
 * const l = new EmbeddingLayer([null, 12], { inputSize: 1000, outputSize: 50 });
 * l.outputShape; // [null, 12, 50]
 * l.W.shape; // [1000, 50]
 */
export class EmbeddingLayer extends Layer {
  readonly inputSize: number;
  readonly outputSize: number;
  W: SharedVariable;
  constructor(incoming: Incoming, options: EmbeddingLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'EmbeddingLayer', rawName(options));
    super(incoming, { name: o.name });
    this.inputSize = o.inputSize;
    this.outputSize = o.outputSize;
    this.W = this.addParam(o.W ?? new Normal(), [o.inputSize, o.outputSize], 'W');
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    return [...inputShape, this.outputSize];
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    if (input.dtype === 'float32') throw new DTypeError(`${layerLabel(this)}: the input must be int indices, received ${input.describe()}; use an int input variable (e.g. imatrix()).`);
    return take(this.W, input, 0);
  }
}
