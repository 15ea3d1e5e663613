import { z } from 'zod';
import { add, constant, GraphError, mul, parseOptions, type SymbolicTensor, type TensorLike } from '@lasagne-ts/core';
import { applyPenalty } from './apply-penalty';
import { allParams, isLayerLike, layerParams, type LayerLike, type ParamTags } from './layer-like';
import type { Penalty } from './penalties';

export interface RegularizeOptions<O = never> {
  /** Which params to penalise (default `{ regularizable: true }`: weights, not biases). */
  tags?: ParamTags;
  /** Passed on to the penalty (Lasagne's `**kwargs`). */
  penaltyOptions?: O;
}

const Schema = z.object({ tags: z.record(z.string(), z.boolean()).optional(), penaltyOptions: z.any().optional() }).strict();

function parse<O>(options: RegularizeOptions<O> | undefined, where: string): { tags: ParamTags; penaltyOptions?: O } {
  const o = parseOptions(Schema, options, where) as RegularizeOptions<O>;
  return { tags: o.tags ?? { regularizable: true }, penaltyOptions: o.penaltyOptions };
}

function checkLayer(x: unknown, where: string): LayerLike {
  if (!isLayerLike(x)) throw new GraphError(`${where}: expected a layer (an object with getParams), received ${String(x)}.`);
  return x;
}

/**
 * Lasagne's `regularize_layer_params(layer, penalty, tags={'regularizable': True})`: the penalty
 * of the (tag-filtered) params of a layer or a list of layers.
 */
export function regularizeLayerParams<O>(layerOrLayers: LayerLike | readonly LayerLike[], penalty: Penalty<O>, options?: RegularizeOptions<O>): SymbolicTensor {
  const o = parse(options, 'regularizeLayerParams');
  const layers = Array.isArray(layerOrLayers) ? (layerOrLayers as readonly LayerLike[]) : [layerOrLayers as LayerLike];
  const params = layers.flatMap((l) => layerParams(checkLayer(l, 'regularizeLayerParams'), o.tags));
  return applyPenalty(params, penalty, o.penaltyOptions);
}

/**
 * Lasagne's `regularize_layer_params_weighted(layers, penalty, tags={'regularizable': True})`:
 * `Σ coeff * penalty(params of layer)` over a Map (or `[layer, coeff]` pairs) of layers to
 * coefficients (numbers or symbolic scalars).
 */
export function regularizeLayerParamsWeighted<O>(
  layers: Map<LayerLike, TensorLike> | Iterable<readonly [LayerLike, TensorLike]>,
  penalty: Penalty<O>,
  options?: RegularizeOptions<O>,
): SymbolicTensor {
  const o = parse(options, 'regularizeLayerParamsWeighted');
  const terms: SymbolicTensor[] = [];
  for (const [layer, coeff] of layers) {
    terms.push(mul(coeff, applyPenalty(layerParams(checkLayer(layer, 'regularizeLayerParamsWeighted'), o.tags), penalty, o.penaltyOptions)));
  }
  return terms.length ? terms.reduce((a, b) => add(a, b)) : constant(0, { dtype: 'float32' });
}

/**
 * Lasagne's `regularize_network_params(layer, penalty, tags={'regularizable': True})`: the
 * penalty of the (tag-filtered) params of every layer below and including `layer` (walked
 * through `inputLayer` / `inputLayers`, duplicates removed), as `getAllParams` would list them.
 */
export function regularizeNetworkParams<O>(layer: LayerLike | readonly LayerLike[], penalty: Penalty<O>, options?: RegularizeOptions<O>): SymbolicTensor {
  const o = parse(options, 'regularizeNetworkParams');
  (Array.isArray(layer) ? layer : [layer]).forEach((l) => checkLayer(l, 'regularizeNetworkParams'));
  return applyPenalty(allParams(layer, o.tags), penalty, o.penaltyOptions);
}
