import type { ST } from '@lasagne-ts/core';
import { ShapeError, add, dim, dimshuffle, formatShape, gradClip, mul, reshape, type SharedVariable, type Shape } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming, type TagFilter } from '../base';
import { DenseLayer } from '../dense';
import { getAllParams } from '../helpers/params';
import { getOutput } from '../helpers/get-output';
import { Constant, Uniform } from '../init';
import { InputLayer } from '../input';
import { identity, rectify, type Nonlinearity } from '../nonlinearities';
import { nonlinearity, paramSpec, parseLayerOptions, rawName } from '../options';
import type { ParamSpec } from '../param';
import { RecurrentBase, recurrentBase, type RecurrentOptions } from './base';


export interface CustomRecurrentLayerOptions extends RecurrentOptions {
  /** Applied to the new state (default rectify; null: linear). */
  nonlinearity?: Nonlinearity | null;
}

const CustomSchema = z.strictObject({ ...recurrentBase, nonlinearity: nonlinearity.optional() });

/**
 * Lasagne's `CustomRecurrentLayer(incoming, input_to_hidden, hidden_to_hidden, ...)`:
 * `h_t = nonlinearity(f_i(x_t) + f_h(h_{t-1}))`, where `f_i` (`inputToHidden`) and `f_h`
 * (`hiddenToHidden`) are layer chains each ending in an InputLayer (e.g. dense or convolutional
 * layers). The input is (batch, time, features...); the output (batch, time, hidden...).
 *
 * @example
 * const lIn = new InputLayer([2, 3, 4]);
 * const inToHid = new DenseLayer(new InputLayer([null, 4]), { numUnits: 5, nonlinearity: null });
 * const hidToHid = new DenseLayer(new InputLayer([null, 5]), { numUnits: 5, nonlinearity: null });
 * const rec = new CustomRecurrentLayer(lIn, inToHid, hidToHid);
 * rec.outputShape; // [2, 3, 5]
 */
export class CustomRecurrentLayer extends RecurrentBase {
  readonly inputToHidden: Layer;
  readonly hiddenToHidden: Layer;
  nonlinearity: Nonlinearity;
  /** The initial hidden state parameter (1, hidden...), or null when `hidInit` is a layer. */
  readonly hidInit: SharedVariable | null;

  constructor(incoming: Incoming, inputToHidden: Layer, hiddenToHidden: Layer, options: CustomRecurrentLayerOptions = {}) {
    const o = parseLayerOptions(CustomSchema, options, new.target.name, rawName(options)) as CustomRecurrentLayerOptions;
    super(incoming, o, { hid: o.hidInit });
    this.inputToHidden = inputToHidden;
    this.hiddenToHidden = hiddenToHidden;
    this.nonlinearity = RecurrentBase.pickNonlinearity(o.nonlinearity, rectify, identity);
    const where = layerLabel(this);
    const x = this.inputShapes[0];
    const ih = inputToHidden.outputShape, hh = hiddenToHidden.outputShape;
    if (this.precomputeInput && ih[0] !== null && x[0] !== null && x[1] !== null && ih[0] !== x[0] * x[1]) {
      throw new ShapeError(`${where}: with precomputeInput, inputToHidden's output shape[0] must equal batch size * sequence length (${x[0] * x[1]}) or be null; received ${formatShape(ih)}.`);
    }
    if (!this.precomputeInput && ih[0] !== null && hh[0] !== null && ih[0] !== hh[0]) {
      throw new ShapeError(`${where}: without precomputeInput, inputToHidden's output shape[0] must equal hiddenToHidden's; received ${formatShape(ih)} and ${formatShape(hh)}.`);
    }
    const agree = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => i === 0 || d === null || b[i] === null || d === b[i]);
    if (!agree(ih, hh)) throw new ShapeError(`${where}: the output shapes of inputToHidden and hiddenToHidden must be equal after the first dimension; received ${formatShape(ih)} and ${formatShape(hh)}.`);
    const hin = hiddenToHidden instanceof InputLayer ? hiddenToHidden.shape : hiddenToHidden.inputShapes[0] ?? [];
    if (!agree(ih, hin)) throw new ShapeError(`${where}: inputToHidden's output shape must equal hiddenToHidden's input shape after the first dimension; received ${formatShape(ih)} and ${formatShape(hin)}.`);
    if (hh.slice(1).some((d) => d === null)) throw new ShapeError(`${where}: hiddenToHidden's output shape must be known after the batch axis, received ${formatShape(hh)}.`);
    this.hidInit = this.addInitParam(o.hidInit, 'hid_init', [1, ...(hh.slice(1) as number[])], new Constant(0)) as SharedVariable | null;
  }

  protected unitShape(): Shape {
    return this.hiddenToHidden.outputShape.slice(1);
  }

  /** This layer's parameters, then those of inputToHidden's and hiddenToHidden's layers (as Lasagne). */
  override getParams(tags: TagFilter & { unwrapShared: false }): ST[];
  override getParams(tags?: TagFilter): SharedVariable[];
  override getParams(tags: TagFilter = {}): ST[] {
    const all: ST[] = [...super.getParams(tags), ...getAllParams(this.inputToHidden, tags), ...getAllParams(this.hiddenToHidden, tags)];
    return [...new Set(all)];
  }

  getOutputFor(inputs: readonly ST[], opts: GetOutputOptions = {}): ST {
    let input = inputs[0];
    input = dimshuffle(input, [1, 0, ...input.shape.slice(2).map((_, i) => i + 2)]);
    const seqLen = dim(input, 0), numBatch = dim(input, 1);
    if (this.precomputeInput) {
      const trailing = input.shape.slice(2).map((d, i) => d ?? dim(input, i + 2));
      let flat = reshape(input, [mul(seqLen, numBatch), ...trailing]);
      flat = getOutput(this.inputToHidden, flat, opts);
      const back = flat.shape.slice(1).map((d, i) => d ?? dim(flat, i + 1));
      input = reshape(flat, [seqLen, numBatch, ...back]);
    }
    const nonSeqs: ST[] = getAllParams(this.hiddenToHidden);
    if (!this.precomputeInput) nonSeqs.push(...getAllParams(this.inputToHidden));
    const step = (inputN: ST, hidPrevious: ST): ST[] => {
      let hidPre = getOutput(this.hiddenToHidden, hidPrevious, opts);
      hidPre = add(hidPre, this.precomputeInput ? inputN : getOutput(this.inputToHidden, inputN, opts));
      if (this.gradClipping) hidPre = gradClip(hidPre, -this.gradClipping, this.gradClipping);
      return [this.nonlinearity(hidPre)];
    };
    const hidInit = this.initialState(inputs, 'hid', this.hidInit);
    const [hidOut] = this.loop(step, [input], this.mask(inputs), [hidInit], nonSeqs, this.inputShapes[0][1]);
    return this.finish(hidOut);
  }
}

export interface RecurrentLayerOptions extends CustomRecurrentLayerOptions {
  numUnits: number;
  /** Input-to-hidden weights (features, units); default Uniform(). */
  WInToHid?: ParamSpec;
  /** Hidden-to-hidden weights (units, units); default Uniform(). */
  WHidToHid?: ParamSpec;
  /** Bias (units,), or null for none; default Constant(0). */
  b?: ParamSpec | null;
}

const RecurrentSchema = z.strictObject({
  ...recurrentBase,
  nonlinearity: nonlinearity.optional(),
  numUnits: z.number().int().positive(),
  WInToHid: paramSpec.optional(),
  WHidToHid: paramSpec.optional(),
  b: paramSpec.nullable().optional(),
});

/**
 * Lasagne's `RecurrentLayer`: a dense ("vanilla", Elman) recurrent layer,
 * `h_t = nonlinearity(x_t W_in_to_hid + h_{t-1} W_hid_to_hid + b)`, built as a
 * CustomRecurrentLayer over two DenseLayers (named `input_to_hidden` and `hidden_to_hidden`).
 *
 * @example
 * const lIn = new InputLayer([null, 20, 3]);
 * const rnn = new RecurrentLayer(lIn, { numUnits: 8, nonlinearity: tanh, gradClipping: 100 });
 * rnn.outputShape; // [null, 20, 8]
 */
export class RecurrentLayer extends CustomRecurrentLayer {
  readonly WInToHid: SharedVariable;
  readonly WHidToHid: SharedVariable;
  readonly b: SharedVariable | null;
  constructor(incoming: Incoming, options: RecurrentLayerOptions) {
    const o = parseLayerOptions(RecurrentSchema, options, 'RecurrentLayer', rawName(options)) as RecurrentLayerOptions;
    const shape = incoming instanceof Layer ? incoming.outputShape : (incoming as Shape);
    const base = o.name !== undefined ? `${o.name}.` : '';
    const inToHid = new DenseLayer(new InputLayer([null, ...shape.slice(2)]), { numUnits: o.numUnits, W: o.WInToHid ?? new Uniform(), b: o.b === null ? null : (o.b ?? new Constant(0)), nonlinearity: null, name: `${base}input_to_hidden` });
    const hidToHid = new DenseLayer(new InputLayer([null, o.numUnits]), { numUnits: o.numUnits, W: o.WHidToHid ?? new Uniform(), b: null, nonlinearity: null, name: `${base}hidden_to_hidden` });
    const { numUnits: _n, WInToHid: _a, WHidToHid: _b, b: _c, ...rest } = o;
    void _n, _a, _b, _c;
    super(incoming, inToHid, hidToHid, rest);
    this.WInToHid = inToHid.W;
    this.WHidToHid = hidToHid.W;
    this.b = inToHid.b;
  }
}
