import { tensor4, type SymbolicTensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';

import type { NetworkBuilder } from '@lasagne-ts/train';

function inputLayer(inputVar?: SymbolicTensor): L.Layer {
  return new L.InputLayer([null, 1, 28, 28], { inputVar: inputVar ?? tensor4('inputs') });
}

/**
 * mnist.py's `build_mlp`: 20% input dropout, two hidden layers of 800 rectified units each
 * with 50% dropout (Glorot-uniform weights), a 10-unit softmax output.
 */
export function buildMlp(inputVar?: SymbolicTensor): L.Layer {
  const lIn = inputLayer(inputVar);
  const lInDrop = new L.DropoutLayer(lIn, { p: 0.2 });
  const lHid1 = new L.DenseLayer(lInDrop, { numUnits: 800, nonlinearity: L.rectify, W: new L.init.GlorotUniform() });
  const lHid1Drop = new L.DropoutLayer(lHid1, { p: 0.5 });
  const lHid2 = new L.DenseLayer(lHid1Drop, { numUnits: 800, nonlinearity: L.rectify });
  const lHid2Drop = new L.DropoutLayer(lHid2, { p: 0.5 });
  return new L.DenseLayer(lHid2Drop, { numUnits: 10, nonlinearity: L.softmax });
}

/** The settings of mnist.py's `build_custom_mlp` (its defaults: 2, 800, 0.2, 0.5). */
export interface CustomMlpOptions {
  depth?: number;
  width?: number;
  dropInput?: number;
  dropHidden?: number;
}

/**
 * mnist.py's `build_custom_mlp`: optional input dropout, `depth` hidden layers of `width`
 * rectified units each followed by optional dropout, a 10-unit softmax output. A dropout
 * rate of 0 leaves the dropout layer out, as in Python (`if drop_input:`).
 */
export function buildCustomMlp(inputVar?: SymbolicTensor, options: CustomMlpOptions = {}): L.Layer {
  const { depth = 2, width = 800, dropInput = 0.2, dropHidden = 0.5 } = options;
  let network = inputLayer(inputVar);
  if (dropInput) network = L.dropout(network, { p: dropInput });
  for (let i = 0; i < depth; i++) {
    network = new L.DenseLayer(network, { numUnits: width, nonlinearity: L.rectify });
    if (dropHidden) network = L.dropout(network, { p: dropHidden });
  }
  return new L.DenseLayer(network, { numUnits: 10, nonlinearity: L.softmax });
}

/**
 * mnist.py's `build_cnn`: two 32-filter 5x5 rectified convolutions (Glorot-uniform) each
 * followed by 2x2 max-pooling, then 50% dropout, 256 rectified units, 50% dropout and a
 * 10-unit softmax output.
 */
export function buildCnn(inputVar?: SymbolicTensor): L.Layer {
  let network = inputLayer(inputVar);
  network = new L.Conv2DLayer(network, { numFilters: 32, filterSize: 5, nonlinearity: L.rectify, W: new L.init.GlorotUniform() });
  network = new L.MaxPool2DLayer(network, { poolSize: 2 });
  network = new L.Conv2DLayer(network, { numFilters: 32, filterSize: 5, nonlinearity: L.rectify });
  network = new L.MaxPool2DLayer(network, { poolSize: 2 });
  network = new L.DenseLayer(L.dropout(network, { p: 0.5 }), { numUnits: 256, nonlinearity: L.rectify });
  return new L.DenseLayer(L.dropout(network, { p: 0.5 }), { numUnits: 10, nonlinearity: L.softmax });
}

/** A parsed MODEL argument. */
export type ModelSpec =
  | { kind: 'mlp' }
  | { kind: 'cnn' }
  | { kind: 'custom_mlp'; depth: number; width: number; dropInput: number; dropHidden: number };

/** A bad MODEL argument; the message is one line. */
export class ModelSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSpecError';
  }
}

const INT = /^\d+$/;
const FLOAT = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Parses mnist.py's MODEL argument: `mlp`, `cnn` or `custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID`
 * (DEPTH >= 0 and WIDTH >= 1 integers, dropout rates in [0, 1)).
 */
export function parseModelSpec(model: string): ModelSpec {
  if (model === 'mlp' || model === 'cnn') return { kind: model };
  if (model === 'custom_mlp' || model.startsWith('custom_mlp:')) {
    const parts = model === 'custom_mlp' ? [] : model.slice('custom_mlp:'.length).split(',').map((s) => s.trim());
    const usage = 'expected custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID, e.g. custom_mlp:2,800,0.2,0.5';
    if (parts.length !== 4) throw new ModelSpecError(`model '${model}': ${usage}.`);
    const [d, w, di, dh] = parts;
    if (!INT.test(d)) throw new ModelSpecError(`model '${model}': DEPTH must be a non-negative integer, got '${d}' (${usage}).`);
    if (!INT.test(w) || Number(w) < 1) throw new ModelSpecError(`model '${model}': WIDTH must be a positive integer, got '${w}' (${usage}).`);
    for (const [name, v] of [['DROP_IN', di], ['DROP_HID', dh]] as const) {
      if (!FLOAT.test(v) || !(Number(v) < 1)) throw new ModelSpecError(`model '${model}': ${name} must be a dropout rate in [0, 1), got '${v}' (${usage}).`);
    }
    return { kind: 'custom_mlp', depth: Number(d), width: Number(w), dropInput: Number(di), dropHidden: Number(dh) };
  }
  throw new ModelSpecError(`unrecognized model type '${model}'; expected mlp, cnn or custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID.`);
}

/** The canonical text of a spec (`custom_mlp:2,800,0.2,0.5`). */
export function formatModelSpec(spec: ModelSpec): string {
  return spec.kind === 'custom_mlp' ? `custom_mlp:${spec.depth},${spec.width},${spec.dropInput},${spec.dropHidden}` : spec.kind;
}

/** The builder for a MODEL argument or spec, as mnist.py's `main` chooses it. */
export function modelBuilder(model: string | ModelSpec): NetworkBuilder {
  const spec = typeof model === 'string' ? parseModelSpec(model) : model;
  switch (spec.kind) {
    case 'mlp':
      return buildMlp;
    case 'cnn':
      return buildCnn;
    case 'custom_mlp': {
      const { depth, width, dropInput, dropHidden } = spec;
      return (inputVar?: SymbolicTensor) => buildCustomMlp(inputVar, { depth, width, dropInput, dropHidden });
    }
  }
}
