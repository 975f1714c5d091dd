/** Request validation with zod: field paths in the error, prefixed by where the value came from. */
import type { z } from 'zod';
import { invalidInput } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | '' = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(result.error.issues.map((issue) => (leftOut(value, issue) ? { ...issue, message: 'required' } : issue)), where);
  return result.data;
}

/**
 * Whether the issue is about a key the input does not have: zod says "Invalid input: expected string, received
 * undefined", which a caller reads as a type error; "required" says what to do (as `knownFields` does for the
 * bodies that use it). A type or option issue on a key missing from an object that is there; a rule's own
 * message (custom) is kept.
 */
function leftOut(value: unknown, issue: z.core.$ZodIssue): boolean {
  if ((issue.code !== 'invalid_type' && issue.code !== 'invalid_value' && issue.code !== 'invalid_union') || issue.path.length === 0) return false;
  let parent: unknown = value;
  for (const key of issue.path.slice(0, -1)) {
    if (!parent || typeof parent !== 'object') return false;
    parent = (parent as Record<PropertyKey, unknown>)[key as PropertyKey];
  }
  const last = issue.path[issue.path.length - 1];
  return !!parent && typeof parent === 'object' && !Array.isArray(parent) && !Object.hasOwn(parent, last as PropertyKey);
}

