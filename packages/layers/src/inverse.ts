import { GraphError, grad, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, MergeLayer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { layerBase, parseLayerOptions, rawName } from './options';

export interface InverseLayerOptions {
  name?: string;
}
const Schema = z.strictObject(layerBase);

/**
 * Lasagne's `InverseLayer`: "inverts" `layer` by propagating its incoming values backwards
 * through it: the output is the gradient of `layer`'s output with respect to `layer`'s input,
 * with the incoming values as the output gradient (Theano's `grad(None, wrt, known_grads)`).
 * For a dense layer this is a product with Wᵀ (times the nonlinearity's derivative), for a
 * convolution a transposed convolution, for max pooling an unpooling. Its output has `layer`'s
 * input shape.
 *
 * @example
 * const conv = new Conv2DLayer(new InputLayer([null, 1, 8, 8]), { numFilters: 4, filterSize: 3 });
 * const l = new InverseLayer(conv, conv);
 * l.outputShape; // [null, 1, 8, 8]
 */
export class InverseLayer extends MergeLayer {
  /** The layer being inverted. */
  readonly layer: Layer;
  constructor(incoming: Incoming, layer: Layer, options: InverseLayerOptions = {}) {
    const o = parseLayerOptions(Schema, options, 'InverseLayer', rawName(options));
    if (!(layer instanceof Layer) || layer instanceof MergeLayer || layer.inputLayer === null) {
      const what = layer instanceof Layer ? `${layerLabel(layer)}, which has ${layer instanceof MergeLayer ? 'several incoming layers' : 'no incoming layer (built on a shape, or an InputLayer)'}` : String(layer);
      throw new GraphError(`InverseLayer: expected a layer with one incoming layer to invert, received ${what}.`);
    }
    super([incoming, layer, layer.inputLayer], { name: o.name });
    this.layer = layer;
  }
  override getOutputShapeFor(inputShapes: readonly Shape[]): Shape {
    return inputShapes[2];
  }
  getOutputFor([input, layerOut, layerIn]: readonly ST[], _opts?: GetOutputOptions): ST {
    void _opts;
    return grad(null, layerIn, { knownGrads: new Map([[layerOut, input]]) });
  }
}
