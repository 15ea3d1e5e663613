import { OptionsError, ShapeError, SymbolicTensor, formatShape, tensor, type Shape } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions } from './base';
import { layerBase, parseLayerOptions, rawName } from './options';
import type { ST } from '@lasagne-ts/core';

export interface InputLayerOptions {
  /** The symbolic input; by default a float32 tensor of the layer's rank and static shape is created. */
  inputVar?: ST;
  name?: string;
}

const Schema = z.strictObject({
  ...layerBase,
  inputVar: z.custom<ST>((v) => v instanceof SymbolicTensor, { message: 'expected a symbolic tensor (e.g. tensor4())' }).optional(),
});

/**
 * Lasagne's `InputLayer(shape, input_var=None, name=None)`: where the network's input enters.
 * `shape` has null for sizes free until run time (usually the batch size).
 *
 * @example
 * const l = new InputLayer([null, 1, 28, 28]);
 * l.outputShape; // [null, 1, 28, 28]
 * l.inputVar.ndim; // 4
 */
export class InputLayer extends Layer {
  /** The input variable (created when none was given, named `"<name>.input"` or `"input"`). */
  readonly inputVar: ST;
  /** The declared shape. */
  readonly shape: Shape;

  constructor(shape: Shape, options: InputLayerOptions = {}) {
    const o = parseLayerOptions(Schema, options, 'InputLayer', rawName(options));
    if (!Array.isArray(shape) || !shape.every((d) => d === null || typeof d === 'number')) {
      throw new OptionsError(`InputLayer${o.name !== undefined ? ` '${o.name}'` : ''}: shape must be an array of sizes (null for unknown ones), received ${JSON.stringify(shape)}.`);
    }
    super(null, { name: o.name });
    if (shape.some((d) => d !== null && (!Number.isInteger(d) || d <= 0))) {
      throw new ShapeError(`${layerLabel(this)}: cannot create an InputLayer with a non-positive shape dimension; shape ${formatShape(shape)}.`);
    }
    this.shape = Object.freeze([...shape]);
    if (o.inputVar) {
      const v = o.inputVar;
      if (v.ndim !== shape.length) {
        throw new ShapeError(`${layerLabel(this)}: shape ${formatShape(shape)} has ${shape.length} dimensions, but the input variable ${v.describe()} has ${v.ndim}.`);
      }
      const clash = shape.findIndex((d, i) => d !== null && v.shape[i] !== null && v.shape[i] !== d);
      if (clash >= 0) {
        throw new ShapeError(`${layerLabel(this)}: the input variable ${v.describe()} does not fit shape ${formatShape(shape)} (axis ${clash}).`);
      }
      this.inputVar = v;
    } else {
      this.inputVar = tensor('float32', shape, o.name !== undefined ? `${o.name}.input` : 'input');
    }
  }

  override get outputShape(): Shape {
    return this.shape;
  }

  override getOutputShapeFor(): Shape {
    return this.shape;
  }

  /** The input variable (getOutput substitutes any expression given for this layer). */
  getOutputFor(input?: ST | readonly ST[], _opts?: GetOutputOptions): ST {
    void _opts;
    return input instanceof SymbolicTensor ? input : this.inputVar;
  }
}
