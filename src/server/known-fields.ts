/**
 * JSON bodies that refuse keys they do not know. zod drops an unknown key without a word, so a misspelt field
 * (`companyName` for `company`) used to be answered as if all was well and stored nothing. Each unknown key is an
 * issue at its own path ("companyName: unknown field; did you mean company?"), listed before the others: a
 * misspelt required field is then explained by its spelling, and a field left out is "required" rather than
 * "Invalid input: expected string, received undefined".
 */
import { z } from 'zod';

/**
 * An object schema over `shape` that refuses other keys, naming each with the known key it most likely meant
 * (`aliases`: names people reach for, compared without case or separators; `elsewhere`: a key that belongs to
 * another request, with the sentence that says where). `readOnly` keys, those an answer adds
 * (`id`, `createdAt`…), are accepted and dropped, so that what was read can be sent back changed.
 */
export function knownFields<T extends z.ZodRawShape>(shape: T, options: { aliases?: Readonly<Record<string, keyof T & string>>; elsewhere?: Readonly<Record<string, string>>; readOnly?: readonly string[] } = {}) {
  const known = Object.keys(shape);
  const aliases = options.aliases ?? {};
  const readOnly = new Set(options.readOnly ?? []);
  // strict, so that the OpenAPI document says no other key is taken; zod's one issue for all of them is replaced
  return z.strictObject(shape).superRefine((value, ctx) => {
    // an array's indexes are not misspelt keys: "expected object" says it all
    if (!value || typeof value !== 'object' || Array.isArray(value)) return;
    // a field left out is "required", not "Invalid input: expected string, received undefined"
    for (const issue of ctx.issues) if (issue.path?.length === 1 && issue.input === undefined && !Object.hasOwn(value, issue.path[0])) (issue as { message?: string }).message = 'required';
    const at = ctx.issues.findIndex((issue) => issue.code === 'unrecognized_keys' && !issue.path?.length);
    if (at < 0) return;
    const [unrecognized] = ctx.issues.splice(at, 1) as z.core.$ZodRawIssue<z.core.$ZodIssueUnrecognizedKeys>[];
    const input = unrecognized.input as Record<string, unknown>;
    // first, so that the answer's one sentence is about the spelling
    ctx.issues.unshift(...unrecognized.keys.filter((key) => !readOnly.has(key)).map((key) => ({
      code: 'custom' as const, path: [key], input: input?.[key], continue: true,
      message: options.elsewhere && Object.hasOwn(options.elsewhere, key) ? `unknown field here; ${options.elsewhere[key]}` : unknownFieldMessage(key, known, aliases),
    })));
  }, { when: () => true });
}

/** "unknown field; did you mean company?" when one known key is the obvious one, else the list of known keys. */
export function unknownFieldMessage(key: string, known: readonly string[], aliases: Readonly<Record<string, string>> = {}): string {
  // own keys only: a body's "constructor" must not find Object's
  const alias = (k: string) => (Object.hasOwn(aliases, k) ? aliases[k] : undefined);
  const meant = alias(key) ?? alias(squash(key)) ?? closestKey(key, known);
  return meant ? `unknown field; did you mean ${meant}?` : `unknown field; the known fields are ${known.join(', ')}`;
}

/** The one known key that `key` most likely means: same letters whatever the case and separators, one inside the
 *  other (companyName → company), or a small typing distance. Undefined when none or several are as likely. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const k = squash(key);
  if (k.length === 0) return undefined;
  // each test in turn; one that finds several keys leaves the choice to the next
  const same = known.filter((x) => squash(x) === k);
  if (same.length === 1) return same[0];
  // at least four letters in common, so that `id` or `to` does not point anywhere
  const inside = known.filter((x) => { const s = squash(x); return Math.min(s.length, k.length) >= 4 && (s.includes(k) || k.includes(s)); });
  if (inside.length === 1) return inside[0];
  let best = Infinity;
  let found: string[] = [];
  for (const x of known) {
    const s = squash(x);
    const d = distance(k, s);
    if (d > Math.max(1, Math.floor(Math.max(k.length, s.length) / 4))) continue;
    if (d < best) { best = d; found = [x]; } else if (d === best) found.push(x);
  }
  return found.length === 1 ? found[0] : undefined;
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Edits from one to the other (insert, delete, replace, swap two neighbours); short keys: the table is nothing. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
