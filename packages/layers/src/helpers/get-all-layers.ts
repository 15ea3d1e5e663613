import { Layer } from '../base';

/**
 * Lasagne's `get_all_layers(layer, treat_as_input)`: every layer the given layer(s) depend on, in
 * topological order (a layer after all its incoming layers), each once. Layers in `treatAsInput`
 * are included but their incoming layers are not followed. Iterative (no recursion limit).
 */
export function getAllLayers(layerOrLayers: Layer | readonly Layer[], treatAsInput: Iterable<Layer> = []): Layer[] {
  const queue: (Layer | null)[] = layerOrLayers instanceof Layer ? [layerOrLayers] : [...layerOrLayers];
  const seen = new Set<Layer>(treatAsInput);
  const done = new Set<Layer>();
  const result: Layer[] = [];
  while (queue.length) {
    const layer = queue[0];
    if (layer === null) queue.shift();
    else if (!seen.has(layer)) {
      // Queue the incoming layers first; the layer is appended once they are done.
      seen.add(layer);
      queue.unshift(...layer.inputLayers);
    } else {
      queue.shift();
      if (!done.has(layer)) {
        result.push(layer);
        done.add(layer);
      }
    }
  }
  return result;
}
