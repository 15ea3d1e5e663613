import { ShapeError, add, dimshuffle, formatShape, mul, tensor, type SharedVariable, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { Constant } from './init';
import { identity, rectify, type Nonlinearity } from './nonlinearities';
import { layerBase, nonlinearity, paramSpec, parseLayerOptions, rawName } from './options';
import type { ParamSpec } from './param';

export interface NonlinearityLayerOptions {
  /** Default rectify; null means the identity. */
  nonlinearity?: Nonlinearity | null;
  name?: string;
}
const NonlinSchema = z.strictObject({ ...layerBase, nonlinearity: nonlinearity.optional() });

/**
 * Lasagne's `NonlinearityLayer`: applies a nonlinearity elementwise. `new NonlinearityLayer(l, softmax)` also works.
 *
 * @example
 * const l = new NonlinearityLayer(new InputLayer([null, 10]), { nonlinearity: softmax });
 * l.outputShape; // [null, 10]
 */
export class NonlinearityLayer extends Layer {
  nonlinearity: Nonlinearity;
  constructor(incoming: Incoming, options: NonlinearityLayerOptions | Nonlinearity = {}) {
    const raw = typeof options === 'function' ? { nonlinearity: options } : options;
    const o = parseLayerOptions(NonlinSchema, raw, 'NonlinearityLayer', rawName(raw));
    super(incoming, { name: o.name });
    this.nonlinearity = o.nonlinearity ?? (o.nonlinearity === null ? identity : rectify);
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return this.nonlinearity(input);
  }
}

/** 'auto' (all axes but the second), an axis or a list of axes. */
export type SharedAxes = 'auto' | number | readonly number[];
export const sharedAxesSchema = z.union([z.literal('auto'), z.number().int(), z.array(z.number().int())]);

export function resolveSharedAxes(spec: SharedAxes | undefined, inputShape: Shape, where: string): number[] {
  const rank = inputShape.length;
  const axes = spec === undefined || spec === 'auto' ? [0, ...Array.from({ length: Math.max(0, rank - 2) }, (_, i) => i + 2)] : typeof spec === 'number' ? [spec] : [...spec];
  return axes.map((a) => {
    const n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank) throw new ShapeError(`${where}: shared axis ${a} is out of range for input shape ${formatShape(inputShape)}.`);
    return n;
  });
}

/** The parameter shape: the input sizes on the axes not shared over (all must be known). */
export function paramShape(inputShape: Shape, sharedAxes: readonly number[], where: string, what: string): number[] {
  const shape = inputShape.filter((_, i) => !sharedAxes.includes(i));
  if (shape.some((d) => d === null)) {
    throw new ShapeError(`${where} needs known input sizes on all axes that ${what} are not shared over (sharedAxes ${JSON.stringify(sharedAxes)}); received input shape ${formatShape(inputShape)}.`);
  }
  return shape as number[];
}

export function broadcastPattern(ndim: number, sharedAxes: readonly number[]): (number | 'x')[] {
  let k = 0;
  return Array.from({ length: ndim }, (_, i) => (sharedAxes.includes(i) ? 'x' : k++));
}

export interface BiasLayerOptions {
  /** Biases, or null for none; default Constant(0). */
  b?: ParamSpec | null;
  /** Axes the biases are shared over; default 'auto' (all but the second). */
  sharedAxes?: SharedAxes;
  name?: string;
}
const BiasSchema = z.strictObject({ ...layerBase, b: paramSpec.nullable().optional(), sharedAxes: sharedAxesSchema.optional() });

/**
 * Lasagne's `BiasLayer`: adds a (learned) bias, shared over `sharedAxes`.
 *
 * @example
 * const l = new BiasLayer(new InputLayer([null, 16, 8, 8]));
 * l.b!.get().shape; // [16]
 */
export class BiasLayer extends Layer {
  readonly sharedAxes: readonly number[];
  b: SharedVariable | null;
  constructor(incoming: Incoming, options: BiasLayerOptions = {}) {
    const o = parseLayerOptions(BiasSchema, options, 'BiasLayer', rawName(options));
    super(incoming, { name: o.name });
    this.sharedAxes = resolveSharedAxes(o.sharedAxes, this.inputShape, layerLabel(this));
    this.b = o.b === null ? null : this.addParam(o.b ?? new Constant(0), paramShape(this.inputShape, this.sharedAxes, layerLabel(this), 'biases'), 'b', { regularizable: false });
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return this.b ? add(input, dimshuffle(this.b, broadcastPattern(input.ndim, this.sharedAxes))) : input;
  }
}

export interface ScaleLayerOptions {
  /** Scales; default Constant(1). */
  scales?: ParamSpec;
  /** Axes the scales are shared over; default 'auto' (all but the second). */
  sharedAxes?: SharedAxes;
  name?: string;
}
const ScaleSchema = z.strictObject({ ...layerBase, scales: paramSpec.optional(), sharedAxes: sharedAxesSchema.optional() });

/**
 * Lasagne's `ScaleLayer`: multiplies by (learned) scales, shared over `sharedAxes`.
 *
 * @example
 * const l = new ScaleLayer(new InputLayer([null, 16, 8, 8]));
 * l.scales.get().shape; // [16]
 */
export class ScaleLayer extends Layer {
  readonly sharedAxes: readonly number[];
  scales: SharedVariable;
  constructor(incoming: Incoming, options: ScaleLayerOptions = {}) {
    const o = parseLayerOptions(ScaleSchema, options, 'ScaleLayer', rawName(options));
    super(incoming, { name: o.name });
    this.sharedAxes = resolveSharedAxes(o.sharedAxes, this.inputShape, layerLabel(this));
    this.scales = this.addParam(o.scales ?? new Constant(1), paramShape(this.inputShape, this.sharedAxes, layerLabel(this), 'scales'), 'scales');
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return mul(input, dimshuffle(this.scales, broadcastPattern(input.ndim, this.sharedAxes)));
  }
}

export interface ExpressionLayerOptions {
  /** The expression of the input. */
  fn: (input: ST) => ST;
  /** The output shape: a shape, a function of the input shape, 'auto' (build the expression on a dummy input of the input shape), or omitted for unchanged. */
  outputShape?: Shape | ((inputShape: Shape) => Shape) | 'auto' | null;
  name?: string;
}
const ExprSchema = z.strictObject({
  ...layerBase,
  fn: z.custom<(input: ST) => ST>((v) => typeof v === 'function', { message: 'expected a function' }),
  outputShape: z
    .union([z.literal('auto'), z.array(z.number().int().positive().nullable()), z.custom<(s: Shape) => Shape>((v) => typeof v === 'function')], {
      error: "outputShape must be a shape (sizes or null), a function of the input shape, 'auto' or null",
    })
    .nullable()
    .optional(),
});

/**
 * Lasagne's `ExpressionLayer`: applies any expression of the input.
 *
 * @example
 * const l = new ExpressionLayer(new InputLayer([null, 10]), { fn: (x) => mul(x, 2) });
 * l.outputShape; // [null, 10]
 */
export class ExpressionLayer extends Layer {
  readonly fn: (input: ST) => ST;
  private readonly shapeSpec: Shape | ((inputShape: Shape) => Shape) | 'auto' | null | undefined;
  constructor(incoming: Incoming, options: ExpressionLayerOptions) {
    const o = parseLayerOptions(ExprSchema, options, 'ExpressionLayer', rawName(options));
    super(incoming, { name: o.name });
    this.fn = o.fn;
    this.shapeSpec = o.outputShape as ExpressionLayerOptions['outputShape'];
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    const s = this.shapeSpec;
    if (s === undefined || s === null) return inputShape;
    if (typeof s === 'function') return s(inputShape);
    if (s === 'auto') {
      // The static shape of the expression built on an input variable of that shape.
      return this.fn(tensor('float32', inputShape, 'shape_probe')).shape;
    }
    return s;
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    return this.fn(input);
  }
}

