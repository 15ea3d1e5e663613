import { compile, GraphError, type CompiledFunction, type CompileOptions, type OutputOf, type OutputsOf, type SymbolicTensor } from '@lasagne-ts/core';
import { Layer, layerLabel, type GetOutputOptions } from '../base';
import { InputLayer } from '../input';
import { getAllLayers } from './get-all-layers';
import { getOutput } from './get-output';

export interface CompileOutputOptions<O extends CompileOptions = CompileOptions> extends GetOutputOptions {
  /** Passed to `compile` (e.g. `{outputs: 'device'}`, `{name}`). */
  compile?: O;
}

/**
 * A compiled function running the network on new data: what Lasagne users write as
 * `theano.function([input_var], get_output(net, deterministic=True))`, in one call. Its arguments
 * are the values of the network's InputLayers in `getAllLayers` order (one for the usual single
 * input); it returns the output (a tuple of outputs for a tuple of layers), typed as `compile`'s.
 * Options are `getOutput`'s, with `deterministic` defaulting to **true** here (dropout and noise
 * off, BatchNorm on its running averages), as prediction wants; `{deterministic: false}` gives
 * the training output.
 *
 * @example
 * const net = new DenseLayer(new InputLayer([null, 2]), { numUnits: 1, W: [[1], [2]], b: [0.5], nonlinearity: linear });
 * const predict = compileOutput(net); // deterministic
 * predict([[1, 1], [2, 0]]); // [3.5, 2.5]
 */
export function compileOutput<O extends CompileOptions = {}>(layer: Layer, options?: CompileOutputOptions<O>): CompiledFunction<OutputOf<O>>;
export function compileOutput<const T extends readonly Layer[], O extends CompileOptions = {}>(layers: T, options?: CompileOutputOptions<O>): CompiledFunction<OutputsOf<T, O>>;
export function compileOutput(layerOrLayers: Layer | readonly Layer[], options: CompileOutputOptions = {}): CompiledFunction<unknown> {
  const { compile: compileOptions, ...outputOptions } = options;
  const single = layerOrLayers instanceof Layer;
  const targets = single ? [layerOrLayers] : [...layerOrLayers];
  const inputs: SymbolicTensor[] = getAllLayers(targets).filter((l): l is InputLayer => l instanceof InputLayer).map((l) => l.inputVar);
  if (inputs.length === 0) {
    throw new GraphError(`compileOutput: ${targets.map(layerLabel).join(', ')} reads no InputLayer; build the output with getOutput(net, inputs) and compile it instead.`);
  }
  const outputs = getOutput(targets, { deterministic: true, ...outputOptions });
  return compile(inputs, single ? outputs[0] : outputs, compileOptions);
}
