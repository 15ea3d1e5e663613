import { dependencyOrder, type SymbolicTensor } from '@lasagne-ts/core';

/** Lasagne's tag filter (`get_params(regularizable=True)`): true = must have the tag, false = must not. */
export type ParamTags = Record<string, boolean>;

/**
 * What the regularization helpers need from a layer, structurally (so this package does not
 * import `@lasagne-ts/layers`): its parameters, filtered by tags, and, to walk a network, its
 * incoming layer(s) as Lasagne names them (`input_layer` / `input_layers`).
 */
export interface LayerLike {
  getParams(tags?: ParamTags): readonly SymbolicTensor[];
  inputLayer?: LayerLike | null;
  inputLayers?: readonly (LayerLike | null)[];
}

export function isLayerLike(x: unknown): x is LayerLike {
  return typeof x === 'object' && x !== null && typeof (x as { getParams?: unknown }).getParams === 'function';
}

/** `layer.getParams(tags)` (the layer does the filtering, as Lasagne's `get_params(**tags)`). */
export function layerParams(layer: LayerLike, tags: ParamTags): SymbolicTensor[] {
  return [...layer.getParams(tags)];
}

/**
 * Lasagne's `get_all_layers`: every layer below (and including) the given one(s), each after
 * all the layers it depends on, in Lasagne's depth-first order.
 */
export function allLayers(layerOrLayers: LayerLike | readonly LayerLike[]): LayerLike[] {
  const roots = Array.isArray(layerOrLayers) ? [...layerOrLayers] : [layerOrLayers as LayerLike];
  return dependencyOrder<LayerLike>(roots, (l) => (Array.isArray(l.inputLayers) ? l.inputLayers : l.inputLayer !== undefined ? [l.inputLayer] : []));
}

/** Lasagne's `get_all_params(layer, **tags)`: the params of all layers, without duplicates. */
export function allParams(layerOrLayers: LayerLike | readonly LayerLike[], tags: ParamTags): SymbolicTensor[] {
  const out: SymbolicTensor[] = [];
  const seen = new Set<SymbolicTensor>();
  for (const l of allLayers(layerOrLayers)) {
    for (const p of layerParams(l, tags)) {
      if (!seen.has(p)) {
        seen.add(p);
        out.push(p);
      }
    }
  }
  return out;
}
