import { OptionsError, ShapeError, add, conv2d, dimshuffle, formatShape, type SharedVariable, type Shape, type SymbolicTensor } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { Constant, GlorotUniform } from './init';
import { identity, rectify, type Nonlinearity } from './nonlinearities';
import { intPair, layerBase, nonlinearity, nonNegIntPair, pair, paramSpec, parseLayerOptions, rawName } from './options';
import type { ParamSpec } from './param';

type ST = SymbolicTensor;
export type ConvPad = number | readonly [number, number] | 'valid' | 'full' | 'same';

/**
 * Lasagne's `conv_output_length(L, f, stride, pad)`: valid L−f+1, full L+f−1, same L,
 * int p L+2p−f+1, then ceil(· / stride); null when L is.
 */
export function convOutputLength(inputLength: number | null, filterSize: number, stride: number, pad: number | 'valid' | 'full' | 'same'): number | null {
  checkPad(pad, 'convOutputLength');
  if (inputLength === null) return null;
  let len: number;
  if (pad === 'valid') len = inputLength - filterSize + 1;
  else if (pad === 'full') len = inputLength + filterSize - 1;
  else if (pad === 'same') len = inputLength;
  else len = inputLength + 2 * pad - filterSize + 1;
  return Math.floor((len + stride - 1) / stride);
}

/**
 * Lasagne's `conv_input_length(L, f, stride, pad)`: the input length a convolution maps to
 * output length L, `(L − 1)·stride − 2·pad + f` (valid: pad 0, full: f − 1, same: f // 2); the
 * output length of a transposed convolution. Null when L is.
 */
export function convInputLength(outputLength: number | null, filterSize: number, stride: number, pad: number | 'valid' | 'full' | 'same'): number | null {
  checkPad(pad, 'convInputLength');
  if (outputLength === null) return null;
  const p = pad === 'valid' ? 0 : pad === 'full' ? filterSize - 1 : pad === 'same' ? Math.floor(filterSize / 2) : pad;
  return (outputLength - 1) * stride - 2 * p + filterSize;
}

/** Lasagne's "Invalid pad" check: 'valid', 'full', 'same' or a non-negative integer. */
function checkPad(pad: unknown, where: string): void {
  if (pad === 'valid' || pad === 'full' || pad === 'same' || (typeof pad === 'number' && Number.isInteger(pad) && pad >= 0)) return;
  throw new OptionsError(`${where}: invalid pad ${JSON.stringify(pad)}; expected 'valid', 'full', 'same' or a non-negative integer.`);
}

export interface Conv2DLayerOptions {
  numFilters: number;
  /** An int or [rows, cols]. */
  filterSize: number | readonly [number, number];
  /** Default 1. */
  stride?: number | readonly [number, number];
  /** Zero padding: an int or pair, 'valid' (= 0, default), 'full' (filter − 1) or 'same' (filter // 2, odd filters). */
  pad?: ConvPad;
  /** One bias per filter and output position instead of per filter (default false). */
  untieBiases?: boolean;
  /** Filters (numFilters, inputChannels, rows, cols); default GlorotUniform(). */
  W?: ParamSpec;
  /** Biases (numFilters,) or (numFilters, outRows, outCols) when untied; null for none. Default Constant(0). */
  b?: ParamSpec | null;
  /** Default rectify; null means linear. */
  nonlinearity?: Nonlinearity | null;
  /** True convolution (default, flips the filters) or cross-correlation (false). */
  flipFilters?: boolean;
  name?: string;
}

const Schema = z.strictObject({
  ...layerBase,
  numFilters: z.number().int().positive(),
  filterSize: intPair,
  stride: intPair.optional(),
  pad: z.union([nonNegIntPair, z.enum(['valid', 'full', 'same'])]).optional(),
  untieBiases: z.boolean().optional(),
  W: paramSpec.optional(),
  b: paramSpec.nullable().optional(),
  nonlinearity: nonlinearity.optional(),
  flipFilters: z.boolean().optional(),
});

/**
 * Lasagne's `Conv2DLayer`: 2-D convolution of NCHW input with `numFilters` filters, plus biases
 * and a nonlinearity.
 */
export class Conv2DLayer extends Layer {
  readonly numFilters: number;
  readonly filterSize: [number, number];
  readonly stride: [number, number];
  /** [rows, cols] or 'full' / 'same'. */
  readonly pad: [number, number] | 'full' | 'same';
  readonly untieBiases: boolean;
  readonly flipFilters: boolean;
  W: SharedVariable;
  b: SharedVariable | null;
  nonlinearity: Nonlinearity;

  constructor(incoming: Incoming, options: Conv2DLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'Conv2DLayer', rawName(options));
    super(incoming, { name: o.name });
    const where = layerLabel(this);
    if (this.inputShape.length !== 4) {
      throw new ShapeError(`${where}: expected a 4-d input (batch size, channels, rows, cols), received input shape ${formatShape(this.inputShape)}.`);
    }
    this.numFilters = o.numFilters;
    this.filterSize = pair(o.filterSize);
    this.stride = pair(o.stride ?? 1);
    const pad = o.pad ?? 0;
    if (pad === 'same' && this.filterSize.some((s) => s % 2 === 0)) {
      throw new ShapeError(`${where}: 'same' padding requires odd filter sizes, received filterSize ${formatShape(this.filterSize)}.`);
    }
    this.pad = pad === 'valid' ? [0, 0] : pad === 'full' || pad === 'same' ? pad : pair(pad);
    this.untieBiases = o.untieBiases ?? false;
    this.flipFilters = o.flipFilters ?? true;
    this.nonlinearity = o.nonlinearity ?? (o.nonlinearity === null ? identity : rectify);
    const channels = this.inputShape[1];
    if (channels === null) {
      throw new ShapeError(`${where}: the number of input channels must be known, received input shape ${formatShape(this.inputShape)}.`);
    }
    const out = this.outputShape;
    if ((out[2] !== null && out[2] <= 0) || (out[3] !== null && out[3] <= 0)) {
      throw new ShapeError(`${where}: input shape ${formatShape(this.inputShape)} is too small for filterSize ${formatShape(this.filterSize)} with pad ${typeof this.pad === 'string' ? `'${this.pad}'` : formatShape(this.pad)} (output shape ${formatShape(out)}).`);
    }
    this.W = this.addParam(o.W ?? new GlorotUniform(), this.getWShape(), 'W');
    if (o.b === null) this.b = null;
    else {
      let bShape: number[] = [this.numFilters];
      if (this.untieBiases) {
        if (out[2] === null || out[3] === null) {
          throw new ShapeError(`${where}: untied biases need a known output size; input shape ${formatShape(this.inputShape)} gives ${formatShape(out)}.`);
        }
        bShape = [this.numFilters, out[2], out[3]];
      }
      this.b = this.addParam(o.b ?? new Constant(0), bShape, 'b', { regularizable: false });
    }
  }

  /** (numFilters, inputChannels, rows, cols). */
  getWShape(): number[] {
    return [this.numFilters, this.inputShape[1] as number, ...this.filterSize];
  }

  override getOutputShapeFor(inputShape: Shape): Shape {
    const pads = typeof this.pad === 'string' ? [this.pad, this.pad] : this.pad;
    return [
      inputShape[0],
      this.numFilters,
      ...[0, 1].map((i) => convOutputLength(inputShape[2 + i], this.filterSize[i], this.stride[i], pads[i] as number | 'full' | 'same')),
    ];
  }

  /** The convolution alone (no bias, no nonlinearity). */
  convolve(input: ST): ST {
    const borderMode = this.pad === 'same' ? 'half' : this.pad;
    return conv2d(input, this.W, { borderMode, subsample: this.stride, filterFlip: this.flipFilters });
  }

  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    if (input.ndim !== 4) throw new ShapeError(`${layerLabel(this)}: expected a 4-d input expression, received ${input.describe()}.`);
    const conved = this.convolve(input);
    let activation = conved;
    if (this.b) activation = add(conved, this.untieBiases ? dimshuffle(this.b, ['x', 0, 1, 2]) : dimshuffle(this.b, ['x', 0, 'x', 'x']));
    return this.nonlinearity(activation);
  }
}
