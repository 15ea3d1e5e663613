import { ShapeError, add, concatenate, formatShape, mul, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { MergeLayer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { autocrop, autocropArrayShapes, type CropMode } from './autocrop';
import { layerBase, parseLayerOptions, rawName } from './options';

/** Per axis: crop to the smallest input keeping the 'lower', 'center' or 'upper' entries, or null (leave). */
const croppingSchema = z.array(z.enum(['lower', 'center', 'upper']).nullable()).nullable().optional();

export interface ConcatLayerOptions {
  /** The axis to concatenate along (default 1). */
  axis?: number;
  /** Crop the inputs to the smallest size per axis before concatenating (Lasagne's autocrop), e.g. [null, null, 'center', 'center']. */
  cropping?: readonly CropMode[] | null;
  name?: string;
}
const ConcatSchema = z.strictObject({ ...layerBase, axis: z.number().int().optional(), cropping: croppingSchema });

/**
 * Lasagne's `ConcatLayer`: concatenates its inputs along `axis`; the other sizes must match.
 *
 * @example
 * const l = new ConcatLayer([new InputLayer([null, 3]), new InputLayer([null, 5])]);
 * l.outputShape; // [null, 8]
 */
export class ConcatLayer extends MergeLayer {
  readonly axis: number;
  readonly cropping: readonly CropMode[] | null;
  constructor(incomings: readonly Incoming[], options: ConcatLayerOptions = {}) {
    const o = parseLayerOptions(ConcatSchema, options, 'ConcatLayer', rawName(options));
    super(incomings, { name: o.name });
    this.axis = o.axis ?? 1;
    this.cropping = o.cropping ?? null;
    this.getOutputShapeFor(this.inputShapes);
  }
  override getOutputShapeFor(shapes: readonly Shape[]): Shape {
    const where = layerLabel(this);
    if (!shapes.length) throw new ShapeError(`${where}: expected at least one input.`);
    const inputShapes = autocropArrayShapes(shapes, this.cropping, where);
    const rank = inputShapes[0].length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 0 || axis >= rank) throw new ShapeError(`${where}: axis ${this.axis} is out of range for input shape ${formatShape(inputShapes[0])}.`);
    const out = inputShapes[0].map((_, i) => inputShapes.map((s) => s[i]).find((d) => d !== null && d !== undefined) ?? null);
    const match = (s: Shape) => s.length === rank && s.every((d, i) => i === axis || d === null || out[i] === null || d === out[i]);
    if (!inputShapes.every(match)) {
      throw new ShapeError(`${where}: input shapes must be the same except along the concatenation axis ${this.axis}; received ${inputShapes.map(formatShape).join(', ')}.`);
    }
    const sizes = inputShapes.map((s) => s[axis]);
    out[axis] = sizes.some((d) => d === null) ? null : (sizes as number[]).reduce((a, b) => a + b, 0);
    return out;
  }
  getOutputFor(inputs: readonly ST[], _opts?: GetOutputOptions): ST {
    void _opts;
    return concatenate(autocrop(inputs, this.cropping, layerLabel(this)), this.axis);
  }
}

/** `concat(incomings, {axis})`: a ConcatLayer (Lasagne's `concat` alias). */
export function concat(incomings: readonly Incoming[], options: ConcatLayerOptions = {}): ConcatLayer {
  return new ConcatLayer(incomings, options);
}

export interface ElemwiseMergeLayerOptions {
  /** Combines two expressions, e.g. core's `maximum` or `mul`. */
  mergeFunction: (a: ST, b: ST) => ST;
  /** Crop the inputs to the smallest size per axis first (Lasagne's autocrop). */
  cropping?: readonly CropMode[] | null;
  name?: string;
}
const MergeSchema = z.strictObject({ ...layerBase, cropping: croppingSchema, mergeFunction: z.custom<(a: ST, b: ST) => ST>((v) => typeof v === 'function', { message: 'expected a function (a, b) => expression' }) });

/**
 * Lasagne's `ElemwiseMergeLayer`: folds its inputs with an elementwise function; all shapes must match.
 *
 * @example
 * const l = new ElemwiseMergeLayer([new InputLayer([null, 4]), new InputLayer([null, 4])], { mergeFunction: mul });
 * l.outputShape; // [null, 4]
 */
export class ElemwiseMergeLayer extends MergeLayer {
  readonly mergeFunction: (a: ST, b: ST) => ST;
  readonly cropping: readonly CropMode[] | null;
  constructor(incomings: readonly Incoming[], options: ElemwiseMergeLayerOptions) {
    const o = parseLayerOptions(MergeSchema, options, new.target.name, rawName(options));
    super(incomings, { name: o.name });
    this.mergeFunction = o.mergeFunction;
    this.cropping = o.cropping ?? null;
    this.getOutputShapeFor(this.inputShapes);
  }
  override getOutputShapeFor(shapes: readonly Shape[]): Shape {
    if (!shapes.length) throw new ShapeError(`${layerLabel(this)}: expected at least one input.`);
    const inputShapes = autocropArrayShapes(shapes, this.cropping, layerLabel(this));
    const rank = inputShapes[0].length;
    const out = inputShapes[0].map((_, i) => inputShapes.map((s) => s[i]).find((d) => d !== null && d !== undefined) ?? null);
    const match = (s: Shape) => s.length === rank && s.every((d, i) => d === null || out[i] === null || d === out[i]);
    if (!inputShapes.every(match)) {
      throw new ShapeError(`${layerLabel(this)}: all input shapes must be the same; received ${inputShapes.map(formatShape).join(', ')}.`);
    }
    return out;
  }
  getOutputFor(inputs: readonly ST[], _opts?: GetOutputOptions): ST {
    void _opts;
    return autocrop(inputs, this.cropping, layerLabel(this)).reduce((acc, x) => this.mergeFunction(acc, x));
  }
}

export interface ElemwiseSumLayerOptions {
  /** A coefficient for all inputs or one per input (default 1). */
  coeffs?: number | readonly number[];
  /** Crop the inputs to the smallest size per axis first (Lasagne's autocrop). */
  cropping?: readonly CropMode[] | null;
  name?: string;
}
const SumSchema = z.strictObject({ ...layerBase, coeffs: z.union([z.number(), z.array(z.number())]).optional(), cropping: croppingSchema });

/**
 * Lasagne's `ElemwiseSumLayer`: the (optionally weighted) sum of its inputs.
 *
 * @example
 * const l = new ElemwiseSumLayer([new InputLayer([null, 4]), new InputLayer([null, 4])], { coeffs: [1, -1] });
 * l.outputShape; // [null, 4]
 */
export class ElemwiseSumLayer extends ElemwiseMergeLayer {
  readonly coeffs: readonly number[];
  constructor(incomings: readonly Incoming[], options: ElemwiseSumLayerOptions = {}) {
    const o = parseLayerOptions(SumSchema, options, 'ElemwiseSumLayer', rawName(options));
    super(incomings, { name: o.name, mergeFunction: add, cropping: o.cropping });
    const c = o.coeffs ?? 1;
    if (Array.isArray(c) && c.length !== incomings.length) {
      throw new ShapeError(`${layerLabel(this)}: got ${c.length} coeffs for ${incomings.length} incomings.`);
    }
    this.coeffs = Array.isArray(c) ? [...c] : incomings.map(() => c as number);
  }
  override getOutputFor(inputs: readonly ST[], _opts?: GetOutputOptions): ST {
    void _opts;
    const cropped = autocrop(inputs, this.cropping, layerLabel(this));
    return cropped.map((x, i) => (this.coeffs[i] !== 1 ? mul(x, this.coeffs[i]) : x)).reduce((acc, x) => add(acc, x));
  }
}
