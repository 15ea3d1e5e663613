import { ShapeError, add, dot, flatten, formatShape, type SharedVariable, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { Constant, GlorotUniform } from './init';
import { identity, rectify, type Nonlinearity } from './nonlinearities';
import { layerBase, nonlinearity, paramSpec, parseLayerOptions, rawName } from './options';
import type { ParamSpec } from './param';

export interface DenseLayerOptions {
  numUnits: number;
  /** Weights (numInputs, numUnits); default GlorotUniform(). */
  W?: ParamSpec;
  /** Biases (numUnits,), or null for none; default Constant(0). */
  b?: ParamSpec | null;
  /** Default rectify; null means linear. */
  nonlinearity?: Nonlinearity | null;
  /** Leading axes kept (the rest is flattened into the dot product); negative counts from the end. Default 1. */
  numLeadingAxes?: number;
  name?: string;
}

const Schema = z.strictObject({
  ...layerBase,
  numUnits: z.number().int().positive(),
  W: paramSpec.optional(),
  b: paramSpec.nullable().optional(),
  nonlinearity: nonlinearity.optional(),
  numLeadingAxes: z.number().int().optional(),
});

/**
 * Lasagne's `DenseLayer`: a fully connected layer, `nonlinearity(dot(x, W) + b)`, flattening the
 * input's trailing axes (all but `numLeadingAxes`) into the dot product.
 *
 * @example
 * const l = new DenseLayer(new InputLayer([null, 784]), { numUnits: 10, nonlinearity: softmax });
 * l.outputShape; // [null, 10]
 * l.getParams().length; // 2
 */
export class DenseLayer extends Layer {
  readonly numUnits: number;
  readonly numLeadingAxes: number;
  W: SharedVariable;
  b: SharedVariable | null;
  nonlinearity: Nonlinearity;

  constructor(incoming: Incoming, options: DenseLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'DenseLayer', rawName(options));
    super(incoming, { name: o.name });
    this.numUnits = o.numUnits;
    this.nonlinearity = o.nonlinearity ?? (o.nonlinearity === null ? identity : rectify);
    const lead = o.numLeadingAxes ?? 1;
    const n = this.inputShape.length;
    if (lead >= n) {
      throw new ShapeError(`${layerLabel(this)}: numLeadingAxes=${lead} for a ${n}-dimensional input ${formatShape(this.inputShape)} leaves no trailing axes for the dot product.`);
    }
    if (lead < -n) {
      throw new ShapeError(`${layerLabel(this)}: numLeadingAxes=${lead} for a ${n}-dimensional input ${formatShape(this.inputShape)} requests more trailing axes than the input has.`);
    }
    this.numLeadingAxes = lead;
    const trailing = this.inputShape.slice(lead);
    if (trailing.some((d) => d === null)) {
      throw new ShapeError(`${layerLabel(this)} requires a fixed input shape (except for the leading axes): received input shape ${formatShape(this.inputShape)} with numLeadingAxes=${lead}.`);
    }
    const numInputs = (trailing as number[]).reduce((a, b) => a * b, 1);
    this.W = this.addParam(o.W ?? new GlorotUniform(), [numInputs, this.numUnits], 'W');
    this.b = o.b === null ? null : this.addParam(o.b ?? new Constant(0), [this.numUnits], 'b', { regularizable: false });
  }

  override getOutputShapeFor(inputShape: Shape): Shape {
    return [...inputShape.slice(0, this.numLeadingAxes), this.numUnits];
  }

  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const lead = this.numLeadingAxes < 0 ? this.numLeadingAxes + input.ndim : this.numLeadingAxes;
    const x = input.ndim > lead + 1 ? flatten(input, lead + 1) : input;
    let activation = dot(x, this.W);
    if (this.b) activation = add(activation, this.b);
    return this.nonlinearity(activation);
  }
}
