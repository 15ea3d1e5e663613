import { dependencyOrder } from '@lasagne-ts/core';
import { Layer } from '../base';

/**
 * Lasagne's `get_all_layers(layer, treat_as_input)`: every layer the given layer(s) depend on, in
 * topological order (a layer after all its incoming layers), each once. Layers in `treatAsInput`
 * are included but their incoming layers are not followed. Iterative (no recursion limit).
 */
export function getAllLayers(layerOrLayers: Layer | readonly Layer[], treatAsInput: Iterable<Layer> = []): Layer[] {
  return dependencyOrder(layerOrLayers instanceof Layer ? [layerOrLayers] : [...layerOrLayers], (l) => l.inputLayers, treatAsInput);
}
