import type { ST } from '@lasagne-ts/core';
import { OptionsError, ShapeError, broadcastLike, cast, constant, dimshuffle, formatShape, getItem, mul, scan, slice, unroll, where, type Shape } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, MergeLayer, layerLabel, type Incoming } from '../base';
import { layerBase, paramSpec } from '../options';
import type { Nonlinearity } from '../nonlinearities';
import type { ParamSpec } from '../param';


/** An initial state: an initializer / value / shared variable (a parameter), or a layer giving it per batch. */
export type InitSpec = ParamSpec | Layer;

/** The options every recurrent layer takes (Lasagne's names in camelCase). */
export interface RecurrentOptions {
  /** Initial hidden state: a parameter spec (default Constant(0)) or a layer with output (batch, units...). */
  hidInit?: InitSpec;
  /** Process the sequence from its end; the output is reversed back so it runs from x_1 to x_n. */
  backwards?: boolean;
  /** Learn the initial state(s) given as parameters (default false). */
  learnInit?: boolean;
  /** Backpropagate through this many steps (-1, the default: all). */
  gradientSteps?: number;
  /** Clip the gradient messages of the step's pre-activations to ±this (0 or false: no clipping). */
  gradClipping?: number | false;
  /** Write the loop out as plain graph (needs a known sequence length and gradientSteps -1). */
  unrollScan?: boolean;
  /** Apply the input-to-hidden transform to all steps at once, before the loop (default true). */
  precomputeInput?: boolean;
  /** A layer giving a (batch, time) mask: 0 after a sequence ends (the state is carried over). */
  maskInput?: Layer | null;
  /** Output only the last step's state, shape (batch, units...). */
  onlyReturnFinal?: boolean;
  name?: string;
}

const initSpec = z.custom<InitSpec>((v) => v instanceof Layer || paramSpec.safeParse(v).success, { message: 'expected an initializer, a value, a shared variable or a layer' });

export const recurrentBase = {
  ...layerBase,
  hidInit: initSpec.optional(),
  backwards: z.boolean().optional(),
  learnInit: z.boolean().optional(),
  gradientSteps: z.number().int().refine((v) => v === -1 || v > 0, 'must be -1 (all steps) or a positive number of steps').optional(),
  gradClipping: z.union([z.number().nonnegative(), z.literal(false)]).optional(),
  unrollScan: z.boolean().optional(),
  precomputeInput: z.boolean().optional(),
  maskInput: z.instanceof(Layer).nullable().optional(),
  onlyReturnFinal: z.boolean().optional(),
};

/** The incoming list: input, then the mask and initial-state layers that were given. */
export function recurrentIncomings(incoming: Incoming, mask: Layer | null | undefined, inits: readonly (InitSpec | undefined)[]): Incoming[] {
  return [incoming, ...(mask ? [mask] : []), ...(inits.filter((i) => i instanceof Layer) as Layer[])];
}

/**
 * What the recurrent layers share (Lasagne's common `__init__` and `get_output_for` parts):
 * the extra incomings (mask, initial-state layers), the option checks, the loop (scan or
 * unrolled, strict, backwards, truncated) and the output's layout.
 */
export abstract class RecurrentBase extends MergeLayer {
  readonly backwards: boolean;
  readonly learnInit: boolean;
  readonly gradientSteps: number;
  readonly gradClipping: number;
  readonly unrollScan: boolean;
  readonly precomputeInput: boolean;
  readonly onlyReturnFinal: boolean;
  protected readonly maskIndex: number;
  private readonly initIndex = new Map<string, number>();

  constructor(incoming: Incoming, o: RecurrentOptions, inits: Record<string, InitSpec | undefined>) {
    super(recurrentIncomings(incoming, o.maskInput, Object.values(inits)), { name: o.name });
    this.backwards = o.backwards ?? false;
    this.learnInit = o.learnInit ?? false;
    this.gradientSteps = o.gradientSteps ?? -1;
    this.gradClipping = o.gradClipping === false || o.gradClipping === undefined ? 0 : o.gradClipping;
    this.unrollScan = o.unrollScan ?? false;
    this.precomputeInput = o.precomputeInput ?? true;
    this.onlyReturnFinal = o.onlyReturnFinal ?? false;
    this.maskIndex = o.maskInput ? 1 : -1;
    let k = o.maskInput ? 2 : 1;
    for (const [name, spec] of Object.entries(inits)) if (spec instanceof Layer) this.initIndex.set(name, k++);
    if (this.unrollScan && this.gradientSteps !== -1) throw new OptionsError(`${layerLabel(this)}: gradientSteps must be -1 when unrollScan is true (the unrolled loop always backpropagates through every step).`);
    const shape = this.inputShapes[0];
    if (shape.length < 3) throw new ShapeError(`${layerLabel(this)}: the input must be (batch, time, features...), received shape ${formatShape(shape)}.`);
    if (this.unrollScan && shape[1] === null) throw new ShapeError(`${layerLabel(this)}: the input sequence length cannot be null when unrollScan is true; received input shape ${formatShape(shape)}.`);
    if (o.maskInput) {
      const m = this.inputShapes[1];
      const ok = m.length === 2 && (m[0] === null || shape[0] === null || m[0] === shape[0]) && (m[1] === null || shape[1] === null || m[1] === shape[1]);
      if (!ok) throw new ShapeError(`${layerLabel(this)}: the mask must be (batch, time) = ${formatShape(shape.slice(0, 2))}, received shape ${formatShape(m)}.`);
    }
  }

  /** The shape of one step's state after the batch axis. */
  protected abstract unitShape(): Shape;

  override getOutputShapeFor(inputShapes: readonly Shape[]): Shape {
    const s = inputShapes[0];
    return this.onlyReturnFinal ? [s[0], ...this.unitShape()] : [s[0], s[1], ...this.unitShape()];
  }

  /** A parameter initial state, or null when it is given by a layer. */
  protected addInitParam(spec: InitSpec | undefined, name: string, shape: number[], defaultSpec: ParamSpec): ST | null {
    if (spec instanceof Layer) return null;
    return this.addParam(spec ?? defaultSpec, shape, name, { trainable: this.learnInit, regularizable: false });
  }

  /**
   * The mask input, as (time, batch, 1) booleans (nonzero: the step counts, Theano's switch on the
   * float mask), or null. Cast once for all steps, not once per step inside the loop.
   */
  protected mask(inputs: readonly ST[]): ST | null {
    return this.maskIndex > 0 ? cast(dimshuffle(inputs[this.maskIndex], [1, 0, 'x']), 'bool') : null;
  }

  /**
   * The initial state for a batch: the initial-state layer's output, or the (1, units...)
   * parameter repeated over the batch (the batch size read from the input `x`, (batch, time, ...)).
   */
  protected initialState(inputs: readonly ST[], name: string, param: ST | null): ST {
    const k = this.initIndex.get(name);
    if (k !== undefined) return inputs[k];
    const x = inputs[0];
    const firstOfEach = getItem(x, slice(null), ...x.shape.slice(1).map(() => 0));
    const ones = broadcastLike(constant(1, { dtype: 'float32' }), firstOfEach);
    return mul(dimshuffle(ones, [0, ...param!.shape.slice(1).map(() => 'x' as const)]), param!);
  }

  /**
   * Runs `step` over the sequences (time first) with the given fed-back initial states: through
   * `scan` (strict, truncated to gradientSteps) or, with unrollScan, as plain graph. With a mask
   * (the last sequence), steps where it is 0 carry the previous states over. Returns the stacked
   * states at the positions they were computed from (a backwards layer's output needs no
   * reversal: Lasagne's scan-then-reverse, without the two reversals).
   */
  protected loop(step: (...args: ST[]) => ST[], sequences: ST[], mask: ST | null, inits: ST[], nonSeqs: ST[], steps: number | null): ST[] {
    const nState = inits.length;
    const nSeq = sequences.length;
    const fn = !mask
      ? step
      : (...args: ST[]) => {
          const m = args[nSeq];
          const prev = args.slice(nSeq + 1, nSeq + 1 + nState);
          const outs = step(...args.slice(0, nSeq), ...prev, ...args.slice(nSeq + 1 + nState));
          return outs.map((o, i) => where(m, o, prev[i]));
        };
    const seqs = mask ? [...sequences, mask] : sequences;
    if (this.unrollScan) {
      return unroll((...a: ST[]) => fn(...a), { sequences: seqs, outputsInfo: inits, nonSequences: nonSeqs, goBackwards: this.backwards, outputOrder: 'input', nSteps: steps ?? undefined });
    }
    const [outs] = scan((...a: ST[]) => fn(...a), { sequences: seqs, outputsInfo: inits, nonSequences: nonSeqs, goBackwards: this.backwards, outputOrder: 'input', truncateGradient: this.gradientSteps, strict: true, name: this.name ?? this.constructor.name });
    return outs;
  }

  /** (time, batch, units...) back to (batch, time, units...); or the last step computed (position 0 when backwards). */
  protected finish(out: ST): ST {
    if (this.onlyReturnFinal) return getItem(out, this.backwards ? 0 : -1);
    return dimshuffle(out, [1, 0, ...out.shape.slice(2).map((_, i) => i + 2)]);
  }

  /** The nonlinearity option: a function, null for identity, undefined for the default. */
  protected static pickNonlinearity(v: Nonlinearity | null | undefined, dflt: Nonlinearity, identity: Nonlinearity): Nonlinearity {
    return v === null ? identity : (v ?? dflt);
  }
}

/** prod(shape[2:]): the features per step (trailing axes flattened), which must be known. */
export function numFeatures(shape: Shape, layer: Layer): number {
  const t = shape.slice(2);
  if (t.some((d) => d === null)) throw new ShapeError(`${layerLabel(layer)}: the input's feature axes must be known, received shape ${formatShape(shape)}.`);
  return (t as number[]).reduce((a, b) => a * b, 1);
}
