import { GraphError, SharedVariable, ShapeError, add, dimshuffle, div, formatShape, mean, mul, sqrt, square, sub, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { Constant } from './init';
import { identity, type Nonlinearity } from './nonlinearities';
import { layerBase, paramSpec, parseLayerOptions, rawName } from './options';
import type { ParamSpec } from './param';
import { NonlinearityLayer } from './special';

export interface BatchNormLayerOptions {
  /** Axes normalized over: 'auto' (default: all but the second), an axis or a list. */
  axes?: 'auto' | number | readonly number[];
  /** Added to the variance (default 1e-4). */
  epsilon?: number;
  /** Running-average coefficient: new = (1 − alpha)·old + alpha·batch (default 0.1). */
  alpha?: number;
  /** Shift (trainable), null for none; default Constant(0). */
  beta?: ParamSpec | null;
  /** Scale (trainable, regularizable), null for none; default Constant(1). */
  gamma?: ParamSpec | null;
  /** Running mean (not trainable); default Constant(0). */
  mean?: ParamSpec;
  /** Running inverse standard deviation (not trainable); default Constant(1). */
  invStd?: ParamSpec;
  name?: string;
}

const Schema = z.strictObject({
  ...layerBase,
  axes: z.union([z.literal('auto'), z.number().int(), z.array(z.number().int())]).optional(),
  epsilon: z.number().nonnegative().optional(),
  alpha: z.number().min(0).max(1).optional(),
  beta: paramSpec.nullable().optional(),
  gamma: paramSpec.nullable().optional(),
  mean: paramSpec.optional(),
  invStd: paramSpec.optional(),
});

/**
 * Lasagne's `BatchNormLayer` (Ioffe & Szegedy 2015): `(x − mean) · (gamma · invStd) + beta`,
 * with the batch's mean and (biased) variance when training, invStd = 1 / sqrt(var + epsilon),
 * and the running averages when `deterministic`. Training outputs update the running mean and
 * running invStd through the compiled function (default updates of memory-aliased clones, as
 * Lasagne does it), so only functions that compute a training output change them.
 *
 * @example
 * const l = new BatchNormLayer(new InputLayer([null, 16, 8, 8]));
 * l.outputShape; // [null, 16, 8, 8]
 * l.getParams({ trainable: true }).length; // 2
 */
export class BatchNormLayer extends Layer {
  readonly axes: readonly number[];
  readonly epsilon: number;
  readonly alpha: number;
  beta: SharedVariable | null;
  gamma: SharedVariable | null;
  readonly mean: SharedVariable;
  readonly invStd: SharedVariable;
  override readonly getOutputKwargs: readonly string[];

  constructor(incoming: Incoming, options: BatchNormLayerOptions = {}) {
    const o = parseLayerOptions(Schema, options, 'BatchNormLayer', rawName(options));
    super(incoming, { name: o.name });
    this.getOutputKwargs = ['batchNormUseAverages', 'batchNormUpdateAverages'];
    const where = layerLabel(this);
    const rank = this.inputShape.length;
    const axes = o.axes === undefined || o.axes === 'auto' ? [0, ...Array.from({ length: Math.max(0, rank - 2) }, (_, i) => i + 2)] : typeof o.axes === 'number' ? [o.axes] : [...o.axes];
    this.axes = axes.map((a) => {
      const n = a < 0 ? a + rank : a;
      if (n < 0 || n >= rank) throw new ShapeError(`${where}: axis ${a} is out of range for input shape ${formatShape(this.inputShape)}.`);
      return n;
    });
    this.epsilon = o.epsilon ?? 1e-4;
    this.alpha = o.alpha ?? 0.1;
    const shape = this.inputShape.filter((_, i) => !this.axes.includes(i));
    if (shape.some((d) => d === null)) {
      throw new ShapeError(`${where} needs known input sizes on all axes not normalized over (axes ${JSON.stringify(this.axes)}); received input shape ${formatShape(this.inputShape)}.`);
    }
    const s = shape as number[];
    this.beta = o.beta === null ? null : this.addParam(o.beta ?? new Constant(0), s, 'beta', { trainable: true, regularizable: false });
    this.gamma = o.gamma === null ? null : this.addParam(o.gamma ?? new Constant(1), s, 'gamma', { trainable: true, regularizable: true });
    // Tagged batch_norm_stat (Lasagne's tag): getAllParams(net, {batch_norm_stat: true}) finds every running statistic.
    this.mean = this.addParam(o.mean ?? new Constant(0), s, 'mean', { trainable: false, regularizable: false, batch_norm_stat: true });
    this.invStd = this.addParam(o.invStd ?? new Constant(1), s, 'inv_std', { trainable: false, regularizable: false, batch_norm_stat: true });
  }

  getOutputFor(input: ST, opts: GetOutputOptions = {}): ST {
    const deterministic = !!opts.deterministic;
    const pattern: (number | 'x')[] = [];
    let k = 0;
    for (let i = 0; i < input.ndim; i++) pattern.push(this.axes.includes(i) ? 'x' : k++);
    const bcast = (v: ST) => dimshuffle(v, pattern);

    const inputMean = mean(input, this.axes);
    const inputVar = mean(square(sub(input, bcast(inputMean))), this.axes);
    const inputInvStd = div(1, sqrt(add(inputVar, this.epsilon)));

    const useAverages = (opts.batchNormUseAverages as boolean | undefined) ?? deterministic;
    const updateAverages = (opts.batchNormUpdateAverages as boolean | undefined) ?? !deterministic;
    let m: ST = useAverages ? this.mean : inputMean;
    let s: ST = useAverages ? this.invStd : inputInvStd;
    if (updateAverages) {
      // As Lasagne: memory-aliased clones of the running statistics carry the updates as default
      // updates, and enter the output with zero weight, so exactly the functions computing this
      // output apply them.
      if (!(this.mean instanceof SharedVariable) || !(this.invStd instanceof SharedVariable)) {
        throw new GraphError(`${layerLabel(this)}: the running averages can only be updated when mean and invStd are shared variables (they are expressions); pass {batchNormUpdateAverages: false}.`);
      }
      const runningMean = this.mean.clone();
      const runningInvStd = this.invStd.clone();
      runningMean.defaultUpdate = add(mul(runningMean, 1 - this.alpha), mul(inputMean, this.alpha));
      runningInvStd.defaultUpdate = add(mul(runningInvStd, 1 - this.alpha), mul(inputInvStd, this.alpha));
      m = add(m, mul(runningMean, 0));
      s = add(s, mul(runningInvStd, 0));
    }
    const gamma: ST | number = this.gamma ? bcast(this.gamma) : 1;
    const normalized = mul(sub(input, bcast(m)), mul(gamma, bcast(s)));
    return this.beta ? add(normalized, bcast(this.beta)) : normalized;
  }

  override getOutputShapeFor(inputShape: Shape): Shape {
    return inputShape;
  }
}

/** A layer with a (mutable) nonlinearity and bias, as `batchNorm` expects (Dense, Conv2D, ...). */
interface WithNonlinearityAndBias extends Layer {
  nonlinearity?: Nonlinearity;
  b?: SharedVariable | null;
}

/**
 * Lasagne's `batch_norm(layer)`: removes the layer's bias and moves its nonlinearity after a
 * BatchNormLayer (named `"<name>_bn"`, the nonlinearity `"<name>_bn_nonlin"`). Returns the last layer.
 */
export function batchNorm(layer: Layer, options: BatchNormLayerOptions = {}): Layer {
  const l = layer as WithNonlinearityAndBias;
  const nonlinearity = l.nonlinearity;
  if (nonlinearity !== undefined && nonlinearity !== null) l.nonlinearity = identity;
  if (l.b !== undefined && l.b !== null) {
    l.params.delete(l.b);
    l.b = null;
  }
  const bnName = options.name ?? (layer.name ? `${layer.name}_bn` : undefined);
  let out: Layer = new BatchNormLayer(layer, { ...options, name: bnName });
  if (nonlinearity !== undefined && nonlinearity !== null) {
    out = new NonlinearityLayer(out, { nonlinearity, name: bnName !== undefined ? `${bnName}_nonlin` : undefined });
  }
  return out;
}
