import type { ST } from '@lasagne-ts/core';
import { add, dot, gradClip, mul, sub, type SharedVariable, type Shape } from '@lasagne-ts/core';
import { z } from 'zod';
import type { GetOutputOptions, Incoming } from '../base';
import { Constant } from '../init';
import { tanh } from '../nonlinearities';
import { parseLayerOptions, rawName } from '../options';
import { RecurrentBase, numFeatures, recurrentBase, type RecurrentOptions } from './base';
import { Gate, gateOption } from './gate';
import { addGateParams, gatedInput, gateSlice, type GateParams } from './lstm';


export interface GRULayerOptions extends RecurrentOptions {
  numUnits: number;
  /** Default Gate({WCell: null}). */
  resetgate?: Gate;
  /** Default Gate({WCell: null}). */
  updategate?: Gate;
  /** Default Gate({WCell: null, nonlinearity: tanh}). */
  hiddenUpdate?: Gate;
}

const gate = gateOption;
const Schema = z.strictObject({
  ...recurrentBase,
  numUnits: z.number().int().positive(),
  resetgate: gate.optional(),
  updategate: gate.optional(),
  hiddenUpdate: gate.optional(),
});

/**
 * Lasagne's `GRULayer`: gated recurrent units,
 * r_t = σr(x_t W_xr + h_{t-1} W_hr + b_r), u_t = σu(x_t W_xu + h_{t-1} W_hu + b_u),
 * c_t = σc(x_t W_xc + r_t ⊙ (h_{t-1} W_hc) + b_c), h_t = (1 - u_t) ⊙ h_{t-1} + u_t ⊙ c_t.
 *
 * @example
 * const lIn = new InputLayer([null, 12, 3]);
 * const gru = new GRULayer(lIn, { numUnits: 6, backwards: true });
 * gru.outputShape; // [null, 12, 6]
 */
export class GRULayer extends RecurrentBase {
  readonly numUnits: number;
  readonly resetgate: GateParams;
  readonly updategate: GateParams;
  readonly hiddenUpdate: GateParams;
  readonly hidInit: SharedVariable | null;

  constructor(incoming: Incoming, options: GRULayerOptions) {
    const o = parseLayerOptions(Schema, options, 'GRULayer', rawName(options)) as GRULayerOptions;
    super(incoming, o, { hid: o.hidInit });
    const units = (this.numUnits = o.numUnits);
    const numInputs = numFeatures(this.inputShapes[0], this);
    this.resetgate = addGateParams(this, o.resetgate ?? new Gate({ WCell: null }), 'resetgate', numInputs, units);
    this.updategate = addGateParams(this, o.updategate ?? new Gate({ WCell: null }), 'updategate', numInputs, units);
    this.hiddenUpdate = addGateParams(this, o.hiddenUpdate ?? new Gate({ WCell: null, nonlinearity: tanh }), 'hidden_update', numInputs, units);
    this.hidInit = this.addInitParam(o.hidInit, 'hid_init', [1, units], new Constant(0)) as SharedVariable | null;
  }

  protected unitShape(): Shape {
    return [this.numUnits];
  }

  getOutputFor(inputs: readonly ST[], _opts?: GetOutputOptions): ST {
    void _opts;
    const { input, WInStacked, WHidStacked, bStacked } = gatedInput(inputs[0], [this.resetgate, this.updategate, this.hiddenUpdate], this.precomputeInput);
    const H = this.numUnits;
    const clip = (x: ST) => (this.gradClipping ? gradClip(x, -this.gradClipping, this.gradClipping) : x);
    const step = (inputN: ST, hidPrevious: ST, wHid: ST, wIn?: ST, b?: ST): ST[] => {
      const hidInput = clip(dot(hidPrevious, wHid));
      let xN = clip(inputN);
      if (!this.precomputeInput) xN = add(dot(xN, wIn!), b!);
      const resetgate = this.resetgate.nonlinearity(add(gateSlice(hidInput, 0, H), gateSlice(xN, 0, H)));
      const updategate = this.updategate.nonlinearity(add(gateSlice(hidInput, 1, H), gateSlice(xN, 1, H)));
      let hiddenUpdate = add(gateSlice(xN, 2, H), mul(resetgate, gateSlice(hidInput, 2, H)));
      hiddenUpdate = this.hiddenUpdate.nonlinearity(clip(hiddenUpdate));
      return [add(mul(sub(1, updategate), hidPrevious), mul(updategate, hiddenUpdate))];
    };
    const nonSeqs: ST[] = [WHidStacked];
    if (!this.precomputeInput) nonSeqs.push(WInStacked, bStacked);
    const hidInit = this.initialState(inputs, 'hid', this.hidInit);
    const [hidOut] = this.loop(step, [input], this.mask(inputs), [hidInit], nonSeqs, this.inputShapes[0][1]);
    return this.finish(hidOut);
  }
}
