import { ShapeError, add, dimshuffle, dot, formatShape, type SharedVariable, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { Constant, GlorotUniform } from './init';
import { identity, rectify, type Nonlinearity } from './nonlinearities';
import { layerBase, nonlinearity, paramSpec, parseLayerOptions, rawName } from './options';
import type { ParamSpec } from './param';

export interface NINLayerOptions {
  numUnits: number;
  /** One bias per unit and position instead of per unit (default false). */
  untieBiases?: boolean;
  /** Weights (inputChannels, numUnits); default GlorotUniform(). */
  W?: ParamSpec;
  /** Biases (numUnits,) or (numUnits, ...input spatial size) when untied; null for none. Default Constant(0). */
  b?: ParamSpec | null;
  /** Default rectify; null means linear. */
  nonlinearity?: Nonlinearity | null;
  name?: string;
}
const Schema = z.strictObject({
  ...layerBase,
  numUnits: z.number().int().positive(),
  untieBiases: z.boolean().optional(),
  W: paramSpec.optional(),
  b: paramSpec.nullable().optional(),
  nonlinearity: nonlinearity.optional(),
});

/**
 * Lasagne's `NINLayer` (network in network): a dense layer applied across the channel axis
 * (axis 1) at every position, i.e. a 1×1 convolution:
 * out[n, u, ...] = nonlinearity(Σ_c W[c, u]·x[n, c, ...] + b[u]).
 *
 * @example
 * const l = new NINLayer([null, 16, 8, 8], { numUnits: 4 });
 * l.outputShape; // [null, 4, 8, 8]
 */
export class NINLayer extends Layer {
  readonly numUnits: number;
  readonly untieBiases: boolean;
  W: SharedVariable;
  b: SharedVariable | null;
  nonlinearity: Nonlinearity;
  constructor(incoming: Incoming, options: NINLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'NINLayer', rawName(options));
    super(incoming, { name: o.name });
    const where = layerLabel(this);
    if (this.inputShape.length < 2) throw new ShapeError(`${where}: expected an input with a channel axis (batch size, channels, ...), received input shape ${formatShape(this.inputShape)}.`);
    const channels = this.inputShape[1];
    if (channels === null) throw new ShapeError(`${where}: the number of input channels must be known, received input shape ${formatShape(this.inputShape)}.`);
    this.numUnits = o.numUnits;
    this.untieBiases = o.untieBiases ?? false;
    this.nonlinearity = o.nonlinearity ?? (o.nonlinearity === null ? identity : rectify);
    this.W = this.addParam(o.W ?? new GlorotUniform(), [channels, this.numUnits], 'W');
    if (o.b === null) this.b = null;
    else {
      const rest = this.inputShape.slice(2);
      if (this.untieBiases && rest.some((d) => d === null)) {
        throw new ShapeError(`${where}: untied biases need known sizes after the channel axis, received input shape ${formatShape(this.inputShape)}.`);
      }
      this.b = this.addParam(o.b ?? new Constant(0), this.untieBiases ? [this.numUnits, ...(rest as number[])] : [this.numUnits], 'b', { regularizable: false });
    }
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    return [inputShape[0], this.numUnits, ...inputShape.slice(2)];
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const rest = Array.from({ length: input.ndim - 2 }, (_, i) => i + 2);
    // channels last, a dot product with W, channels back to axis 1
    const out = dimshuffle(dot(dimshuffle(input, [0, ...rest, 1]), this.W), [0, input.ndim - 1, ...rest.map((a) => a - 1)]);
    if (!this.b) return this.nonlinearity(out);
    const pattern: (number | 'x')[] = this.untieBiases ? ['x', ...this.b.shape.map((_, i) => i)] : ['x', 0, ...rest.map(() => 'x' as const)];
    return this.nonlinearity(add(out, dimshuffle(this.b, pattern)));
  }
}
