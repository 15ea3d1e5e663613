import { OptionsError, ShapeError, add, dimshuffle, formatShape, type SharedVariable, type Shape, type ST, type BorderMode } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { Constant, GlorotUniform } from './init';
import { identity, rectify, type Nonlinearity } from './nonlinearities';
import { layerBase, nonlinearity, paramSpec } from './options';
import type { ParamSpec } from './param';

/** Zero padding of a convolution: an int (or one per spatial axis), 'valid' (= 0), 'full' or 'same'. */
export type ConvPad = number | readonly number[] | 'valid' | 'full' | 'same';

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

/** The options every convolution layer shares (Lasagne's `BaseConvLayer`). */
export interface BaseConvLayerOptions {
  numFilters: number;
  /** An int, or one per spatial axis. */
  filterSize: number | readonly number[];
  /** Default 1. */
  stride?: number | readonly number[];
  /** Zero padding: an int (or one per axis), 'valid' (= 0, default), 'full' (filter − 1) or 'same' (filter // 2, odd filters). */
  pad?: ConvPad;
  /** One bias per filter and output position instead of per filter (default false). */
  untieBiases?: boolean;
  /** Filters; default GlorotUniform(). */
  W?: ParamSpec;
  /** Biases (numFilters,) or (numFilters, ...output size) when untied; null for none. Default Constant(0). */
  b?: ParamSpec | null;
  /** Default rectify; null means linear. */
  nonlinearity?: Nonlinearity | null;
  /** True convolution (flips the filters) or cross-correlation (false). */
  flipFilters?: boolean;
  name?: string;
}

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
/** The zod fields of BaseConvLayerOptions. */
export const baseConvFields = {
  ...layerBase,
  numFilters: posInt,
  filterSize: z.union([posInt, z.array(posInt)]),
  stride: z.union([posInt, z.array(posInt)]).optional(),
  pad: z.union([nonNegInt, z.array(nonNegInt), z.enum(['valid', 'full', 'same'])]).optional(),
  untieBiases: z.boolean().optional(),
  W: paramSpec.optional(),
  b: paramSpec.nullable().optional(),
  nonlinearity: nonlinearity.optional(),
  flipFilters: z.boolean().optional(),
};

/** Lasagne's `as_tuple(x, n)`: one value for every axis, or exactly n of them. */
export function asTuple(v: number | readonly number[], n: number, what: string, where: string): number[] {
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  if (v.length !== n) throw new OptionsError(`${where}: ${what} must be an int or ${n} ints, received ${JSON.stringify(v)}.`);
  return [...v];
}

/**
 * Lasagne's `BaseConvLayer`: the shared part of the n-d convolution layers (filters, stride,
 * padding, tied or untied biases, nonlinearity). Subclasses give the filter shape (`getWShape`),
 * the output shape and `convolve`; `getOutputFor` adds the biases and the nonlinearity.
 */
export abstract class BaseConvLayer extends Layer {
  /** The number of spatial dimensions. */
  readonly n: number;
  readonly numFilters: number;
  readonly filterSize: readonly number[];
  readonly stride: readonly number[];
  /** One int per spatial axis, or 'full' / 'same'. */
  readonly pad: readonly number[] | 'full' | 'same';
  readonly untieBiases: boolean;
  readonly flipFilters: boolean;
  readonly numGroups: number;
  W: SharedVariable;
  b: SharedVariable | null;
  nonlinearity: Nonlinearity;

  /** `o` has been validated against the subclass's schema; `n` is the number of spatial axes. */
  constructor(incoming: Incoming, o: BaseConvLayerOptions & { numGroups?: number }, n: number, defaults: { flipFilters: boolean }) {
    super(incoming, { name: o.name });
    const where = layerLabel(this);
    if (this.inputShape.length !== n + 2) {
      throw new ShapeError(`${where}: expected a ${n + 2}-d input (batch size, channels, ${n} spatial dimension${n > 1 ? 's' : ''}), received input shape ${formatShape(this.inputShape)}.`);
    }
    this.n = n;
    this.numFilters = o.numFilters;
    this.filterSize = asTuple(o.filterSize, n, 'filterSize', where);
    this.stride = asTuple(o.stride ?? 1, n, 'stride', where);
    const pad = o.pad ?? 0;
    if (pad === 'same' && this.filterSize.some((s) => s % 2 === 0)) {
      throw new ShapeError(`${where}: 'same' padding requires odd filter sizes, received filterSize ${formatShape(this.filterSize)}.`);
    }
    this.pad = pad === 'valid' ? new Array<number>(n).fill(0) : pad === 'full' || pad === 'same' ? pad : asTuple(pad, n, 'pad', where);
    this.untieBiases = o.untieBiases ?? false;
    this.flipFilters = o.flipFilters ?? defaults.flipFilters;
    this.nonlinearity = o.nonlinearity ?? (o.nonlinearity === null ? identity : rectify);
    const channels = this.inputShape[1];
    if (channels === null) {
      throw new ShapeError(`${where}: the number of input channels must be known, received input shape ${formatShape(this.inputShape)}.`);
    }
    this.configure(o);
    this.numGroups = o.numGroups ?? 1;
    if (this.numGroups < 1 || channels % this.numGroups !== 0 || this.numFilters % this.numGroups !== 0) {
      throw new OptionsError(`${where}: numGroups ${this.numGroups} must divide both the ${channels} input channels and the ${this.numFilters} filters.`);
    }
    const out = this.outputShape;
    if (out.slice(2).some((d) => d !== null && d <= 0)) {
      throw new ShapeError(`${where}: input shape ${formatShape(this.inputShape)} is too small for filterSize ${formatShape(this.filterSize)} with pad ${typeof this.pad === 'string' ? `'${this.pad}'` : formatShape(this.pad)} (output shape ${formatShape(out)}).`);
    }
    this.W = this.addParam(o.W ?? new GlorotUniform(), this.getWShape(), 'W');
    if (o.b === null) this.b = null;
    else {
      let bShape: number[] = [this.numFilters];
      if (this.untieBiases) {
        if (out.slice(2).some((d) => d === null)) {
          throw new ShapeError(`${where}: untied biases need a known output size; input shape ${formatShape(this.inputShape)} gives ${formatShape(out)}.`);
        }
        bShape = [this.numFilters, ...(out.slice(2) as number[])];
      }
      this.b = this.addParam(o.b ?? new Constant(0), bShape, 'b', { regularizable: false });
    }
  }

  /**
   * Called by the constructor before the output shape is first needed: subclasses set the
   * fields their `getOutputShapeFor` / `getWShape` read here (declared with `declare`, so that
   * the subclass's field definitions do not reset them after `super()`).
   */
  protected configure(o: BaseConvLayerOptions): void {
    void o;
  }

  /** The filters' shape: (numFilters, inputChannels / numGroups, ...filterSize). */
  getWShape(): number[] {
    return [this.numFilters, (this.inputShape[1] as number) / this.numGroups, ...this.filterSize];
  }

  /** The padding as core's conv2d border mode ('same' is Theano's 'half'); 1-d layers pad their second axis. */
  protected borderMode(): BorderMode {
    if (this.pad === 'same') return 'half';
    if (this.pad === 'full') return 'full';
    return this.n === 1 ? [0, this.pad[0]] : [this.pad[0], this.pad[1]];
  }

  /** Each spatial axis's padding as an int or 'full' / 'same'. */
  protected padPerAxis(): (number | 'full' | 'same')[] {
    const p = this.pad;
    return typeof p === 'string' ? new Array(this.n).fill(p) : [...p];
  }

  override getOutputShapeFor(inputShape: Shape): Shape {
    const pads = this.padPerAxis();
    return [inputShape[0], this.numFilters, ...this.filterSize.map((f, i) => convOutputLength(inputShape[2 + i], f, this.stride[i], pads[i]))];
  }

  /** The convolution alone (no bias, no nonlinearity). */
  abstract convolve(input: ST, opts?: GetOutputOptions): ST;

  getOutputFor(input: ST, opts?: GetOutputOptions): ST {
    if (input.ndim !== this.n + 2) throw new ShapeError(`${layerLabel(this)}: expected a ${this.n + 2}-d input expression, received ${input.describe()}.`);
    const conved = this.convolve(input, opts);
    if (!this.b) return this.nonlinearity(conved);
    const pattern: (number | 'x')[] = this.untieBiases ? ['x', ...this.b.shape.map((_, i) => i)] : ['x', 0, ...new Array<'x'>(this.n).fill('x')];
    return this.nonlinearity(add(conved, dimshuffle(this.b, pattern)));
  }
}
