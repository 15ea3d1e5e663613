import { parseOptions, SymbolicTensor } from '@lasagne-ts/core';
import type { z } from 'zod';
import type { Hyper } from './hyper';

/**
 * Parses a rule's options with zod. As a shorthand (Lasagne's positional `learning_rate`), a
 * bare number or symbolic scalar stands for `{ learningRate }`.
 */
export function ruleOptions<T extends z.ZodTypeAny>(schema: T, options: unknown, where: string): z.infer<T> {
  const o = typeof options === 'number' || options instanceof SymbolicTensor ? { learningRate: options as Hyper } : options;
  return parseOptions(schema, o, where);
}
