import type { z } from 'zod';
import { OptionsError } from './errors';

/** Validates a public option object with zod; a failure names the function and each bad field. */
export function parseOptions<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.infer<T> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'options'}: ${i.message}`).join('; ');
  throw new OptionsError(`${where}: invalid options (${issues}).`);
}
