import { z } from 'zod';
import { cast, constant, SymbolicTensor, sub, type TensorLike } from '@lasagne-ts/core';

/**
 * A hyper-parameter: a plain number, or a symbolic float scalar (typically a `shared` scalar,
 * so a schedule can `.set()` it between epochs without recompiling).
 */
export type Hyper = number | SymbolicTensor;

const symbolicScalar = z.custom<SymbolicTensor>(
  (v) => v instanceof SymbolicTensor && v.ndim === 0 && v.dtype !== 'bool',
  { message: 'expected a number or a symbolic (e.g. shared) int/float scalar' },
);

/**
 * A zod schema for a hyper-parameter: numbers are range-checked ([lo, hi) or [lo, hi]); symbolic
 * scalars are accepted as they are (their value is only known when the function runs).
 */
export function hyper(name: string, range: { min?: number; max?: number; maxExclusive?: boolean; minExclusive?: boolean } = {}) {
  let n = z.number({ error: `${name} must be a finite number or a symbolic scalar` });
  const { min, max } = range;
  if (min !== undefined) {
    n = range.minExclusive
      ? n.gt(min, { error: `${name} must be > ${min}` })
      : n.gte(min, { error: `${name} must be >= ${min}` });
  }
  if (max !== undefined) {
    n = range.maxExclusive
      ? n.lt(max, { error: `${name} must be < ${max}` })
      : n.lte(max, { error: `${name} must be <= ${max}` });
  }
  return z.union([n, symbolicScalar], { error: (iss) => (typeof iss.input === 'number' ? undefined : `${name} must be a number or a symbolic scalar`) });
}

/** Schemas shared by the rules. */
export const learningRate = hyper('learningRate', { min: 0 });
export const decay = (name: string) => hyper(name, { min: 0, max: 1, maxExclusive: true });
export const epsilon = hyper('epsilon', { min: 0 });

/** A hyper-parameter as a float32 expression (numbers become float32 constants). */
export function asScalar(h: Hyper): SymbolicTensor {
  return typeof h === 'number' ? constant(h, { dtype: 'float32' }) : cast(h, 'float32');
}

/** `1 - h` (computed in float64 on the host for numbers, symbolically otherwise). */
export function oneMinus(h: Hyper): TensorLike {
  return typeof h === 'number' ? constant(1 - h, { dtype: 'float32' }) : sub(constant(1, { dtype: 'float32' }), asScalar(h));
}
