import { z } from 'zod';
import { Constant, Normal } from '../init';
import { identity, sigmoid, type Nonlinearity } from '../nonlinearities';
import { parseOptions } from '@lasagne-ts/core';
import { nonlinearity, paramSpec } from '../options';
import type { ParamSpec } from '../param';

export interface GateOptions {
  /** Input-to-gate weights (features, units); default Normal(0.1). */
  WIn?: ParamSpec;
  /** Hidden-to-gate weights (units, units); default Normal(0.1). */
  WHid?: ParamSpec;
  /** Cell-to-gate peephole weights (units,), or null for none; default Normal(0.1). */
  WCell?: ParamSpec | null;
  /** Bias (units,); default Constant(0). */
  b?: ParamSpec;
  /** Default sigmoid; null: linear. */
  nonlinearity?: Nonlinearity | null;
}

const Schema = z.strictObject({ WIn: paramSpec.optional(), WHid: paramSpec.optional(), WCell: paramSpec.nullable().optional(), b: paramSpec.optional(), nonlinearity: nonlinearity.optional() });

/**
 * Lasagne's `Gate`: the parameters of one gate of an LSTMLayer or GRULayer (a linear mix of the
 * input and the previous hidden state, an optional peephole from the cell, a bias, a
 * nonlinearity). The layers create the parameters from these specs.
 *
 * @example
 * const forget = new Gate({ b: new init.Constant(5) }); // remember by default
 * const lstm = new LSTMLayer([10, 20, 30], { numUnits: 10, forgetgate: forget });
 */
export class Gate {
  readonly WIn: ParamSpec;
  readonly WHid: ParamSpec;
  readonly WCell: ParamSpec | null;
  readonly b: ParamSpec;
  readonly nonlinearity: Nonlinearity;
  constructor(options: GateOptions = {}) {
    const o = parseOptions(Schema, options, 'Gate') as GateOptions;
    this.WIn = o.WIn ?? new Normal(0.1);
    this.WHid = o.WHid ?? new Normal(0.1);
    this.WCell = o.WCell === null ? null : (o.WCell ?? new Normal(0.1));
    this.b = o.b ?? new Constant(0);
    this.nonlinearity = o.nonlinearity === null ? identity : (o.nonlinearity ?? sigmoid);
  }
}

/** A Gate option of a layer's schema. */
export const gateOption = z.instanceof(Gate);
