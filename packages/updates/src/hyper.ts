import { z } from 'zod';
import { cast, constant, SymbolicTensor, sub } from '@lasagne-ts/core';

/**
 * A hyper-parameter: a plain number, or a symbolic scalar (typically a `shared` float32 scalar,
 * so a schedule can `.set()` it between epochs without recompiling).
 */
export type Hyper = number | SymbolicTensor;

interface Range {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

function problem(name: string, v: unknown, r: Range): string | undefined {
  if (v instanceof SymbolicTensor) {
    if (v.ndim !== 0) return `${name} must be a scalar, received ${v.describe()}`;
    if (v.dtype === 'bool') return `${name} must be a float or int scalar, received ${v.describe()}`;
    return undefined; // its value is only known when the compiled function runs
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${name} must be a finite number or a symbolic (e.g. shared) scalar, received ${String(v)}`;
  const lo = r.min === undefined ? '' : r.minExclusive ? `> ${r.min}` : `>= ${r.min}`;
  const hi = r.max === undefined ? '' : r.maxExclusive ? `< ${r.max}` : `<= ${r.max}`;
  const tooLow = r.min !== undefined && (r.minExclusive ? v <= r.min : v < r.min);
  const tooHigh = r.max !== undefined && (r.maxExclusive ? v >= r.max : v > r.max);
  if (tooLow || tooHigh) return `${name} must be ${[lo, hi].filter(Boolean).join(' and ')}, received ${v}`;
  return undefined;
}

/**
 * A zod schema for a hyper-parameter: numbers are range-checked; symbolic scalars are accepted
 * as they are (their value is only known when the function runs).
 */
export function hyper(name: string, range: Range = {}): z.ZodType<Hyper> {
  return z.custom<Hyper>(() => true).superRefine((v, ctx) => {
    const msg = problem(name, v, range);
    if (msg) ctx.addIssue({ code: 'custom', message: msg });
  });
}

/** Common schemas: a learning rate >= 0, a decay factor in [0, 1), an epsilon >= 0. */
export const learningRateSchema = hyper('learningRate', { min: 0 });
export const decaySchema = (name: string): z.ZodType<Hyper> => hyper(name, { min: 0, max: 1, maxExclusive: true });
export const epsilonSchema = hyper('epsilon', { min: 0 });

/** A hyper-parameter as a float32 expression (numbers become float32 constants). */
export function asScalar(h: Hyper): SymbolicTensor {
  return typeof h === 'number' ? constant(h, { dtype: 'float32' }) : cast(h, 'float32');
}

/**
 * `1 - h`, as Lasagne's `one - rho` under floatX=float32: a number is first rounded to float32
 * (the value every other use of it sees) and then subtracted from 1 (exactly). Keeping the two
 * consistent matters: Adam's `sqrt(1 - beta2^t)` and its `(1 - beta2) * g²` cancel at t = 1
 * only when both see the same float32 beta2. Symbolic scalars are subtracted in the graph.
 */
export function oneMinus(h: Hyper): SymbolicTensor {
  return typeof h === 'number' ? constant(1 - Math.fround(h), { dtype: 'float32' }) : sub(constant(1, { dtype: 'float32' }), asScalar(h));
}
