/** Request validation with zod: field paths in the error, prefixed by where the value came from. */
import type { z } from 'zod';
import { invalidInput } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | '' = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(result.error.issues, where);
  return result.data;
}
