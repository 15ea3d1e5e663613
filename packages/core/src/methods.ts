/**
 * Method forms of the ops on SymbolicTensor (`x.add(y).mean()`), added to the prototype here so
 * the graph classes do not import the ops.
 */
import type { DType } from './dtype';
import type { TensorLike } from './graph/lift';
import { SymbolicTensor } from './graph/node';
import * as ops from './ops';
import type { Axis, ReduceOptions } from './ops/reduce';
import type { Slice } from './ops/slicing';
import type { ST } from './graph/node';

type RArg = Axis | ReduceOptions | DType | 'float64';

declare module './graph/node' {
  interface SymbolicTensor {
    add(y: TensorLike): ST;
    sub(y: TensorLike): ST;
    mul(y: TensorLike): ST;
    div(y: TensorLike): ST;
    pow(y: TensorLike): ST;
    maximum(y: TensorLike): ST;
    minimum(y: TensorLike): ST;
    eq(y: TensorLike): ST;
    neq(y: TensorLike): ST;
    lt(y: TensorLike): ST;
    le(y: TensorLike): ST;
    gt(y: TensorLike): ST;
    ge(y: TensorLike): ST;
    neg(): ST;
    exp(): ST;
    log(): ST;
    sqrt(): ST;
    abs(): ST;
    square(): ST;
    sigmoid(): ST;
    tanh(): ST;
    clip(lo: TensorLike, hi: TensorLike): ST;
    sum(axis?: RArg, keepdims?: boolean): ST;
    mean(axis?: RArg, keepdims?: boolean): ST;
    max(axis?: RArg, keepdims?: boolean): ST;
    min(axis?: RArg, keepdims?: boolean): ST;
    prod(axis?: RArg, keepdims?: boolean): ST;
    argmax(axis?: RArg, keepdims?: boolean): ST;
    argmin(axis?: RArg, keepdims?: boolean): ST;
    dot(y: TensorLike): ST;
    reshape(shape: readonly (number | ST)[] | ST): ST;
    flatten(ndim?: number): ST;
    dimshuffle(...pattern: (number | 'x')[]): ST;
    transpose(axes?: readonly number[]): ST;
    /** `x.T`: the transpose. */
    readonly T: ST;
    astype(dtype: DType): ST;
    /** NumPy indexing: `x.at(slice(0, 10))` is x[:10], `p.at(arange(n), y)` is p[arange(n), y]. */
    at(...idx: (number | ST | Slice)[]): ST;
    take(indices: TensorLike, axis?: number): ST;
    /** The symbolic shape (`x.shape` in Theano; here `x.shape` is the static shape). */
    symShape(): ST;
  }
}

const P = SymbolicTensor.prototype as unknown as Record<string, unknown>;
const binary = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'neq', 'lt', 'le', 'gt', 'ge', 'dot'] as const;
for (const n of binary) P[n] = function (this: ST, y: TensorLike) { return (ops[n] as (a: TensorLike, b: TensorLike) => ST)(this, y); };
const unary = ['neg', 'exp', 'log', 'sqrt', 'abs', 'square', 'sigmoid', 'tanh'] as const;
for (const n of unary) P[n] = function (this: ST) { return (ops[n] as (a: TensorLike) => ST)(this); };
const reductions = ['sum', 'mean', 'max', 'min', 'prod', 'argmax', 'argmin'] as const;
for (const n of reductions) P[n] = function (this: ST, a?: RArg, k?: boolean) { return ops[n](this, a, k); };
Object.assign(P, {
  clip(this: ST, lo: TensorLike, hi: TensorLike) { return ops.clip(this, lo, hi); },
  reshape(this: ST, s: readonly (number | ST)[] | ST) { return ops.reshape(this, s); },
  flatten(this: ST, nd = 1) { return ops.flatten(this, nd); },
  dimshuffle(this: ST, ...p: (number | 'x')[]) { return ops.dimshuffle(this, p.length === 1 && Array.isArray(p[0]) ? (p[0] as (number | 'x')[]) : p); },
  transpose(this: ST, axes?: readonly number[]) { return ops.transpose(this, axes); },
  astype(this: ST, d: DType) { return ops.cast(this, d); },
  at(this: ST, ...idx: (number | ST | Slice)[]) { return ops.getItem(this, ...idx); },
  take(this: ST, i: TensorLike, axis = 0) { return ops.take(this, i, axis); },
  symShape(this: ST) { return ops.shape(this); },
});
Object.defineProperty(P, 'T', { get(this: ST) { return ops.transpose(this); } });
