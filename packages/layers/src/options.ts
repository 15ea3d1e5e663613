import { SymbolicTensor, parseOptions } from '@lasagne-ts/core';
import { z } from 'zod';
import { isParamSpec, type ParamSpec } from './param';
import type { Nonlinearity } from './nonlinearities';

/** Options every layer accepts. */
export const layerBase = { name: z.string().optional() };

/** A parameter option: initializer, shared variable, value or function of the shape. */
export const paramSpec = z.custom<ParamSpec>((v) => isParamSpec(v), {
  message: 'expected an initializer, a shared variable, an array/tensor of the right shape or a function of the shape',
});

/** A nonlinearity option: a function, or null for the identity. */
export const nonlinearity = z.custom<Nonlinearity>((v) => typeof v === 'function', { message: 'expected a function (e.g. rectify) or null' }).nullable();

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

/** An int or a pair of ints (Lasagne's `as_tuple(x, 2)`). */
export const intPair = z.union([posInt, z.tuple([posInt, posInt])]);
export const nonNegIntPair = z.union([nonNegInt, z.tuple([nonNegInt, nonNegInt])]);

export const symbolicScalar = z.custom<SymbolicTensor>((v) => v instanceof SymbolicTensor && v.ndim === 0, { message: 'expected a symbolic scalar' });

export function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Validates `value` against `schema`, naming the layer class in errors (an OptionsError). */
export function parseLayerOptions<S extends z.ZodTypeAny>(schema: S, value: unknown, layerClass: string, name?: unknown): z.infer<S> {
  const label = `${layerClass}${typeof name === 'string' ? ` '${name}'` : ''}`;
  return parseOptions(schema, value, label);
}

/** The `name` option of a raw options object (for error messages before validation). */
export function rawName(o: unknown): string | undefined {
  return o && typeof o === 'object' && typeof (o as { name?: unknown }).name === 'string' ? (o as { name: string }).name : undefined;
}
