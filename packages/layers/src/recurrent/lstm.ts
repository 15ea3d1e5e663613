import type { ST } from '@lasagne-ts/core';
import { add, basicSubtensor, concatenate, dimshuffle, dot, flatten, gradClip, mul, slice, type SharedVariable, type Shape } from '@lasagne-ts/core';
import { z } from 'zod';
import type { GetOutputOptions, Incoming } from '../base';
import { Constant } from '../init';
import { identity, tanh, type Nonlinearity } from '../nonlinearities';
import { nonlinearity, parseLayerOptions, rawName } from '../options';
import { RecurrentBase, numFeatures, recurrentBase, type InitSpec, type RecurrentOptions } from './base';
import { Gate, gateOption } from './gate';


/** One gate's parameters as created by a layer. */
export interface GateParams {
  WIn: SharedVariable;
  WHid: SharedVariable;
  b: SharedVariable;
  nonlinearity: Nonlinearity;
}

export interface LSTMLayerOptions extends RecurrentOptions {
  numUnits: number;
  ingate?: Gate;
  forgetgate?: Gate;
  /** Default Gate({WCell: null, nonlinearity: tanh}). */
  cell?: Gate;
  outgate?: Gate;
  /** Applied to the cell for the output (default tanh; null: linear). */
  nonlinearity?: Nonlinearity | null;
  /** Initial cell state: parameter spec (default Constant(0)) or a layer giving (batch, units). */
  cellInit?: InitSpec;
  /** Peephole connections from the cell to the gates (default true). */
  peepholes?: boolean;
}

const gate = gateOption;
const Schema = z.strictObject({
  ...recurrentBase,
  numUnits: z.number().int().positive(),
  ingate: gate.optional(),
  forgetgate: gate.optional(),
  cell: gate.optional(),
  outgate: gate.optional(),
  cellInit: recurrentBase.hidInit,
  nonlinearity: nonlinearity.optional(),
  peepholes: z.boolean().optional(),
});

/**
 * The gated layers' common start: the input time-first with its feature axes flattened, the
 * gates' weights side by side (W_in, W_hid) and biases concatenated, and, with precomputeInput,
 * `x W_in + b` for all steps at once.
 */
export function gatedInput(input: ST, gates: readonly GateParams[], precompute: boolean): { input: ST; WInStacked: ST; WHidStacked: ST; bStacked: ST } {
  let x = input.ndim > 3 ? flatten(input, 3) : input;
  x = dimshuffle(x, [1, 0, 2]);
  const WInStacked = concatenate(gates.map((g) => g.WIn), 1);
  const WHidStacked = concatenate(gates.map((g) => g.WHid), 1);
  const bStacked = concatenate(gates.map((g) => g.b), 0);
  return { input: precompute ? add(dot(x, WInStacked), bStacked) : x, WInStacked, WHidStacked, bStacked };
}

/** `x[:, n*units:(n+1)*units]`: gate n's columns of the stacked pre-activations. */
export function gateSlice(x: ST, n: number, units: number): ST {
  return basicSubtensor(x, [slice(null), slice(n * units, (n + 1) * units)]);
}

/** Registers a gate's W_in_to_<name>, W_hid_to_<name>, b_<name> (Lasagne's add_gate_params). */
export function addGateParams(layer: RecurrentBase, g: Gate, name: string, numInputs: number, units: number): GateParams {
  return {
    WIn: layer.addParam(g.WIn, [numInputs, units], `W_in_to_${name}`),
    WHid: layer.addParam(g.WHid, [units, units], `W_hid_to_${name}`),
    b: layer.addParam(g.b, [units], `b_${name}`, { regularizable: false }),
    nonlinearity: g.nonlinearity,
  };
}

/**
 * Lasagne's `LSTMLayer`: long short-term memory with a forget gate and optional peepholes:
 * i_t = σi(x_t W_xi + h_{t-1} W_hi + w_ci ⊙ c_{t-1} + b_i), f_t likewise,
 * c_t = f_t ⊙ c_{t-1} + i_t ⊙ σc(x_t W_xc + h_{t-1} W_hc + b_c),
 * o_t = σo(x_t W_xo + h_{t-1} W_ho + w_co ⊙ c_t + b_o), h_t = o_t ⊙ σh(c_t).
 * The output is the hidden state h, (batch, time, units).
 *
 * @example
 * const lIn = new InputLayer([null, 12, 3]);
 * const lstm = new LSTMLayer(lIn, { numUnits: 6, gradClipping: 10, onlyReturnFinal: true });
 * lstm.outputShape; // [null, 6]
 */
export class LSTMLayer extends RecurrentBase {
  readonly numUnits: number;
  readonly peepholes: boolean;
  nonlinearity: Nonlinearity;
  readonly ingate: GateParams;
  readonly forgetgate: GateParams;
  readonly cell: GateParams;
  readonly outgate: GateParams;
  readonly WCellToIngate: SharedVariable | null = null;
  readonly WCellToForgetgate: SharedVariable | null = null;
  readonly WCellToOutgate: SharedVariable | null = null;
  readonly cellInit: SharedVariable | null;
  readonly hidInit: SharedVariable | null;

  constructor(incoming: Incoming, options: LSTMLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'LSTMLayer', rawName(options)) as LSTMLayerOptions;
    super(incoming, o, { cell: o.cellInit, hid: o.hidInit });
    const units = (this.numUnits = o.numUnits);
    this.peepholes = o.peepholes ?? true;
    this.nonlinearity = RecurrentBase.pickNonlinearity(o.nonlinearity, tanh, identity);
    const numInputs = numFeatures(this.inputShapes[0], this);
    const ig = o.ingate ?? new Gate(), fg = o.forgetgate ?? new Gate(), cg = o.cell ?? new Gate({ WCell: null, nonlinearity: tanh }), og = o.outgate ?? new Gate();
    this.ingate = addGateParams(this, ig, 'ingate', numInputs, units);
    this.forgetgate = addGateParams(this, fg, 'forgetgate', numInputs, units);
    this.cell = addGateParams(this, cg, 'cell', numInputs, units);
    this.outgate = addGateParams(this, og, 'outgate', numInputs, units);
    if (this.peepholes) {
      const peep = (g: Gate, name: string) => this.addParam(g.WCell ?? new Constant(0), [units], `W_cell_to_${name}`);
      this.WCellToIngate = peep(ig, 'ingate');
      this.WCellToForgetgate = peep(fg, 'forgetgate');
      this.WCellToOutgate = peep(og, 'outgate');
    }
    this.cellInit = this.addInitParam(o.cellInit, 'cell_init', [1, units], new Constant(0)) as SharedVariable | null;
    this.hidInit = this.addInitParam(o.hidInit, 'hid_init', [1, units], new Constant(0)) as SharedVariable | null;
  }

  protected unitShape(): Shape {
    return [this.numUnits];
  }

  getOutputFor(inputs: readonly ST[], _opts?: GetOutputOptions): ST {
    void _opts;
    const { input, WInStacked, WHidStacked, bStacked } = gatedInput(inputs[0], [this.ingate, this.forgetgate, this.cell, this.outgate], this.precomputeInput);
    const H = this.numUnits;
    const step = (inputN: ST, cellPrevious: ST, hidPrevious: ST, wHid: ST, ...rest: ST[]): ST[] => {
      const [wci, wcf, wco] = this.peepholes ? rest.slice(0, 3) : [];
      const [wIn, b] = this.precomputeInput ? [] : rest.slice(this.peepholes ? 3 : 0);
      const xN = this.precomputeInput ? inputN : add(dot(inputN, wIn), b);
      let pre = add(xN, dot(hidPrevious, wHid));
      if (this.gradClipping) pre = gradClip(pre, -this.gradClipping, this.gradClipping);
      let ingate = gateSlice(pre, 0, H), forgetgate = gateSlice(pre, 1, H), cellInput = gateSlice(pre, 2, H), outgate = gateSlice(pre, 3, H);
      if (this.peepholes) {
        ingate = add(ingate, mul(cellPrevious, wci));
        forgetgate = add(forgetgate, mul(cellPrevious, wcf));
      }
      ingate = this.ingate.nonlinearity(ingate);
      forgetgate = this.forgetgate.nonlinearity(forgetgate);
      cellInput = this.cell.nonlinearity(cellInput);
      const cell = add(mul(forgetgate, cellPrevious), mul(ingate, cellInput));
      if (this.peepholes) outgate = add(outgate, mul(cell, wco));
      outgate = this.outgate.nonlinearity(outgate);
      return [cell, mul(outgate, this.nonlinearity(cell))];
    };
    const nonSeqs: ST[] = [WHidStacked];
    if (this.peepholes) nonSeqs.push(this.WCellToIngate!, this.WCellToForgetgate!, this.WCellToOutgate!);
    if (!this.precomputeInput) nonSeqs.push(WInStacked, bStacked);
    const cellInit = this.initialState(inputs, 'cell', this.cellInit);
    const hidInit = this.initialState(inputs, 'hid', this.hidInit);
    const [, hidOut] = this.loop(step, [input], this.mask(inputs), [cellInit, hidInit], nonSeqs, this.inputShapes[0][1]);
    return this.finish(hidOut);
  }
}
