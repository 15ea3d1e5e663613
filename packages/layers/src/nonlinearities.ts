/**
 * Lasagne's `lasagne.nonlinearities`: functions from an expression to an expression. The
 * parametrised ones (`ScaledTanH`, `LeakyRectify`, `SELU`) are classes whose instances are
 * callable, as in Lasagne: `new LeakyRectify(0.1)(x)`.
 */
import * as T from '@lasagne-ts/core';
import type { ST, TensorLike } from '@lasagne-ts/core';

/** A nonlinearity: maps an expression to an expression of the same shape. */
export type Nonlinearity = (x: ST) => ST;

/** Makes `self`'s class callable: returns `f` carrying `self`'s prototype and fields. */
function callable<C extends object>(proto: object, f: (x: TensorLike) => ST, fields: Record<string, unknown>): C {
  Object.setPrototypeOf(f, proto);
  for (const [k, v] of Object.entries(fields)) Object.defineProperty(f, k, { value: v, enumerable: true });
  return f as unknown as C;
}

/** Logistic sigmoid 1 / (1 + exp(−x)). */
export function sigmoid(x: TensorLike): ST {
  return T.sigmoid(x);
}

/** Softmax over the last axis (the rows of a matrix, as Theano's `nnet.softmax`). */
export function softmax(x: TensorLike): ST {
  return T.softmax(x);
}

/** Hyperbolic tangent. */
export function tanh(x: TensorLike): ST {
  return T.tanh(x);
}

/** Rectified linear unit max(0, x). */
export function rectify(x: TensorLike): ST {
  return T.relu(x);
}

/** Softplus log(1 + exp(x)). */
export function softplus(x: TensorLike): ST {
  return T.softplus(x);
}

/** The identity (no nonlinearity). */
export function linear(x: TensorLike): ST {
  return T.asTensor(x);
}
/** The identity (no nonlinearity). */
export const identity = linear;

/** Exponential linear unit: x for x > 0, expm1(x) = exp(x) − 1 otherwise. */
export function elu(x: TensorLike): ST {
  const t = T.asTensor(x);
  return T.where(T.gt(t, 0), t, T.expm1(T.minimum(t, 0)));
}

/**
 * Theano's `relu(x, alpha)`: 0.5·(1 + α)·x + 0.5·(1 − α)·|x|, i.e. x for x > 0 and α·x otherwise;
 * α a number or an expression broadcasting against x (PReLU, RReLU); relu itself when α is 0.
 */
export function leakyRelu(x: TensorLike, alpha: TensorLike): ST {
  const t = T.asTensor(x);
  if (alpha === 0) return T.relu(t);
  if (typeof alpha === 'number') return T.add(T.mul(t, 0.5 * (1 + alpha)), T.mul(T.abs(t), 0.5 * (1 - alpha)));
  return T.add(T.mul(t, T.mul(T.add(alpha, 1), 0.5)), T.mul(T.abs(t), T.mul(T.sub(1, alpha), 0.5)));
}

export interface ScaledTanH {
  (x: TensorLike): ST;
}
/** Scaled tanh: scaleOut · tanh(scaleIn · x) (LeCun's 1.7159·tanh(2x/3) is `new ScaledTanH(2/3, 1.7159)`). */
export class ScaledTanH {
  readonly scaleIn!: number;
  readonly scaleOut!: number;
  constructor(scaleIn = 1, scaleOut = 1) {
    return callable<ScaledTanH>(new.target.prototype, (x) => T.mul(T.tanh(T.mul(x, scaleIn)), scaleOut), { scaleIn, scaleOut });
  }
}
/** Lasagne's alternative spelling. */
export const ScaledTanh = ScaledTanH;
export type ScaledTanh = ScaledTanH;

export interface LeakyRectify {
  (x: TensorLike): ST;
}
/** Leaky rectifier: x for x > 0, leakiness · x otherwise (default leakiness 0.01). */
export class LeakyRectify {
  readonly leakiness!: number;
  constructor(leakiness = 0.01) {
    return callable<LeakyRectify>(new.target.prototype, (x) => leakyRelu(x, leakiness), { leakiness });
  }
}

export interface SELU {
  (x: TensorLike): ST;
}
/**
 * Scaled exponential linear unit: scale · (x for x > 0, scaleNeg · expm1(x) otherwise).
 * As Lasagne's class, both default to 1 (an ELU); the ready instance `selu` has the paper's
 * constants.
 */
export class SELU {
  readonly scale!: number;
  readonly scaleNeg!: number;
  constructor(scale = 1, scaleNeg = 1) {
    return callable<SELU>(new.target.prototype, (x) => {
      const t = T.asTensor(x);
      return T.mul(T.where(T.gt(t, 0), t, T.mul(T.expm1(T.minimum(t, 0)), scaleNeg)), scale);
    }, { scale, scaleNeg });
  }
}

// Instances of the callable classes are functions too (call, apply, bind).
for (const C of [ScaledTanH, LeakyRectify, SELU]) Object.setPrototypeOf(C.prototype, Function.prototype);

/** LeakyRectify with leakiness 0.01. */
export const leakyRectify: LeakyRectify = new LeakyRectify(0.01);
/** LeakyRectify with leakiness 1/3. */
export const veryLeakyRectify: LeakyRectify = new LeakyRectify(1 / 3);
/** SELU with the constants of Klambauer et al. 2017 (scale ≈ 1.0507, scaleNeg ≈ 1.6733). */
export const selu: SELU = new SELU(1.0507009873554805, 1.6732632423543772);
