import { GraphError, OptionsError, SymbolicTensor, asTensor, HostTensor, type TensorLike } from '@lasagne-ts/core';
import { Layer, MergeLayer, layerLabel, type GetOutputOptions } from '../base';
import { InputLayer } from '../input';
import { getAllLayers } from './get-all-layers';
import type { ST } from '@lasagne-ts/core';

/** What `getOutput` accepts as inputs: one expression (or value) for the single InputLayer, or a Map from layers to expressions. */
export type OutputInputs = TensorLike | ReadonlyMap<Layer | null, TensorLike>;

function isOptionsObject(v: unknown): v is GetOutputOptions {
  if (v === null || typeof v !== 'object') return false;
  if (v instanceof SymbolicTensor || v instanceof Map || v instanceof HostTensor || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  if ('data' in v && 'shape' in v) return false; // a {data, shape} value
  return Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;
}

const known = new Set(['deterministic']);

/**
 * Lasagne's `get_output(layer_or_layers, inputs=None, **kwargs)`: the output expression(s) of
 * the given layer(s), walking the network once (a layer feeding several others is evaluated once
 * per call). `inputs`: an expression (or value) for the network's single InputLayer, or a Map from
 * layers to expressions (which then stand for those layers' outputs). Options such as
 * `{deterministic: true}` are passed to every layer's `getOutputFor`. `getOutput(net, opts)` is
 * accepted when no inputs are given.
 */
export function getOutput(layer: Layer, inputs?: OutputInputs | GetOutputOptions | null, options?: GetOutputOptions): ST;
export function getOutput(layers: readonly Layer[], inputs?: OutputInputs | GetOutputOptions | null, options?: GetOutputOptions): ST[];
export function getOutput(layerOrLayers: Layer | readonly Layer[], inputs?: OutputInputs | GetOutputOptions | null, options: GetOutputOptions = {}): ST | ST[] {
  let ins: OutputInputs | null | undefined = inputs as OutputInputs | null | undefined;
  let opts = options;
  if (isOptionsObject(inputs)) {
    ins = undefined;
    opts = { ...(inputs as GetOutputOptions), ...options };
  }
  if (opts === null || typeof opts !== 'object') throw new OptionsError(`getOutput: options must be an object such as {deterministic: true}, received ${String(opts)}.`);
  const single = layerOrLayers instanceof Layer;
  const targets = single ? [layerOrLayers as Layer] : [...(layerOrLayers as readonly Layer[])];
  targets.forEach((l, i) => {
    if (!(l instanceof Layer)) throw new OptionsError(`getOutput: expected a layer or a list of layers, received ${String(l)} at position ${i}.`);
  });

  const given = ins instanceof Map ? (ins as ReadonlyMap<Layer | null, TensorLike>) : null;
  if (given) {
    for (const k of given.keys()) if (!(k instanceof Layer) && k !== null) throw new OptionsError(`getOutput: the keys of the inputs Map must be layers (or null for the input of layers built on a shape), received ${String(k)}.`);
  }
  const givenLayers = given ? [...given.keys()].filter((k): k is Layer => k !== null) : [];
  const all = getAllLayers(targets, givenLayers);
  const outputs = new Map<Layer, ST>();
  for (const l of all) if (l instanceof InputLayer && !given?.has(l)) outputs.set(l, l.inputVar);
  for (const l of givenLayers) outputs.set(l, asTensor(given!.get(l)!));
  // As Lasagne's `{None: expr}`: the input of every layer built on a shape (its missing input layer).
  const free = given?.has(null) ? asTensor(given.get(null)!) : undefined;
  if (!given && ins !== undefined && ins !== null) {
    const inputLayers = [...outputs.keys()];
    if (inputLayers.length > 1) {
      throw new GraphError(`getOutput: a single input expression was given for a network with ${inputLayers.length} input layers (${inputLayers.map(layerLabel).join(', ')}); pass a Map from input layers to expressions.`);
    }
    for (const l of inputLayers) outputs.set(l, asTensor(ins as TensorLike));
  }

  const accepted = new Set(known);
  for (const l of all) {
    l.getOutputKwargs.forEach((k) => accepted.add(k));
    if (outputs.has(l)) continue;
    const layerInputs = l.inputLayers.map((i) => (i ? outputs.get(i) : free));
    if (layerInputs.some((e) => e === undefined) || !l.inputLayers.length) {
      throw new GraphError(`getOutput: no input expression for the free-floating layer ${layerLabel(l)}; pass a Map mapping it (or its input, or null: the input of layers built on a shape) to an expression.`);
    }
    const out = l instanceof MergeLayer ? l.getOutputFor(layerInputs as ST[], opts) : l.getOutputFor(layerInputs[0] as ST, opts);
    outputs.set(l, out);
  }
  const unused = Object.keys(opts).filter((k) => !accepted.has(k));
  if (unused.length) {
    const msg = `getOutput() was called with unused options: ${unused.join(', ')} (known: ${[...accepted].join(', ')}).`;
    if (typeof process !== 'undefined' && typeof process.emitWarning === 'function') process.emitWarning(msg);
    else console.warn(msg);
  }
  const res = targets.map((l) => outputs.get(l)!);
  return single ? res[0] : res;
}
