import { GraphError, OptionsError, type Shape } from '@lasagne-ts/core';
import { Layer, MergeLayer, layerLabel } from '../base';
import { InputLayer } from '../input';
import { getAllLayers } from './get-all-layers';

/**
 * Lasagne's `get_output_shape(layer_or_layers, input_shapes=None)`: the output shape(s), either
 * as built, or propagated from other input shapes (one shape for the single InputLayer, or a Map
 * from layers to shapes).
 */
export function getOutputShape(layer: Layer, inputShapes?: Shape | ReadonlyMap<Layer | null, Shape> | null): Shape;
export function getOutputShape(layers: readonly Layer[], inputShapes?: Shape | ReadonlyMap<Layer | null, Shape> | null): Shape[];
export function getOutputShape(layerOrLayers: Layer | readonly Layer[], inputShapes?: Shape | ReadonlyMap<Layer | null, Shape> | null): Shape | Shape[] {
  const single = layerOrLayers instanceof Layer;
  const targets = single ? [layerOrLayers as Layer] : [...(layerOrLayers as readonly Layer[])];
  if (inputShapes === undefined || inputShapes === null || (inputShapes instanceof Map && inputShapes.size === 0)) {
    const res = targets.map((l) => l.outputShape);
    return single ? res[0] : res;
  }
  const given = inputShapes instanceof Map ? (inputShapes as ReadonlyMap<Layer | null, Shape>) : null;
  if (given) for (const k of given.keys()) if (!(k instanceof Layer) && k !== null) throw new OptionsError(`getOutputShape: the keys of the Map must be layers (or null for the input of layers built on a shape), received ${String(k)}.`);
  const givenLayers = given ? [...given.keys()].filter((k): k is Layer => k !== null) : [];
  const all = getAllLayers(targets, givenLayers);
  const shapes = new Map<Layer, Shape>();
  for (const l of all) if (l instanceof InputLayer && !given?.has(l)) shapes.set(l, l.shape);
  for (const l of givenLayers) shapes.set(l, given!.get(l)!);
  // As Lasagne's `{None: shape}`: the input shape of every layer built on a shape.
  const free = given?.get(null);
  if (!given) {
    if (shapes.size > 1) throw new GraphError(`getOutputShape: a single input shape was given for a network with ${shapes.size} input layers; pass a Map from input layers to shapes.`);
    for (const l of [...shapes.keys()]) shapes.set(l, inputShapes as Shape);
  }
  for (const l of all) {
    if (shapes.has(l)) continue;
    const ins = l.inputLayers.map((i) => (i ? shapes.get(i) : free));
    if (!ins.length || ins.some((s) => s === undefined)) throw new GraphError(`getOutputShape: no input shape for the free-floating layer ${layerLabel(l)}; pass a Map mapping it (or null, the input of layers built on a shape) to a shape.`);
    shapes.set(l, l instanceof MergeLayer ? l.getOutputShapeFor(ins as Shape[]) : l.getOutputShapeFor(ins[0] as Shape));
  }
  const res = targets.map((l) => shapes.get(l)!);
  return single ? res[0] : res;
}
