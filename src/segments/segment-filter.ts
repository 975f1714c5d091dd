/**
 * A segment's filter: conditions on a contact (country, kind, email domain, a custom field, a list, when it was
 * created, when it last engaged) joined by `all` or `any`. Validated here; turned into SQL only by
 * `segment-members.repository.ts`, with every value (custom field keys included) passed as a parameter.
 */
import { z } from 'zod';
import { ACTIVITY_TYPES, KINDS } from '../engine/types.js';

const countryCode = z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code like FR').transform((s) => s.toUpperCase());
const domain = z.string().trim().toLowerCase()
  .regex(/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/, 'must be a domain like example.com');
/** A date (midnight UTC) or a date-time with its offset; kept as the ISO instant. */
const moment = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date (2026-01-31) or a date-time with an offset (2026-01-31T09:00:00Z)' })
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s).toISOString());
const values = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'needs at least one value').max(250);

/** Engagement as the glossary defines it: everything a contact does except an open. */
export const ENGAGEMENT_TYPES = ACTIVITY_TYPES.filter((t) => t !== 'open');

export const CUSTOM_OPS = ['equals', 'not_equals', 'contains', 'not_contains', 'is_set', 'is_not_set'] as const;
const needsValue = new Set<string>(['equals', 'not_equals', 'contains', 'not_contains']);

const conditionSchemas = [
  z.strictObject({ field: z.literal('country'), op: z.enum(['in', 'not_in']), values: values(countryCode) }),
  z.strictObject({ field: z.literal('kind'), op: z.enum(['in', 'not_in']), values: values(z.enum(KINDS)) }),
  z.strictObject({ field: z.literal('email_domain'), op: z.enum(['in', 'not_in']), values: values(domain) }),
  z.strictObject({
    field: z.literal('custom'),
    key: z.string().min(1, 'names the custom field').max(100),
    op: z.enum(CUSTOM_OPS),
    /** Compared with the field's text (a number 42 reads "42"); `equals` is exact, `contains` ignores case. */
    value: z.string().max(1000).optional(),
  }).superRefine((c, ctx) => {
    if (needsValue.has(c.op) && c.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `"${c.op}" needs a value` });
    if (!needsValue.has(c.op) && c.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `"${c.op}" takes no value` });
    if (c.op.endsWith('contains') && c.value === '') ctx.addIssue({ code: 'custom', path: ['value'], message: 'cannot be empty' });
  }),
  z.strictObject({ field: z.literal('list'), op: z.enum(['in', 'not_in']), listId: z.uuid('must be a list id') }),
  // `before` is strictly earlier, `after` is at or later: the two split every contact.
  z.strictObject({ field: z.literal('created_at'), op: z.enum(['before', 'after']), value: moment }),
  z.strictObject({
    field: z.literal('last_engaged_at'),
    /** `before` and `after` match contacts that engaged at least once; `never` those that never did. */
    op: z.enum(['before', 'after', 'never']),
    value: moment.optional(),
  }).superRefine((c, ctx) => {
    if (c.op !== 'never' && c.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `"${c.op}" needs a date` });
    if (c.op === 'never' && c.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: '"never" takes no date' });
  }),
] as const;

export const FIELDS = ['country', 'kind', 'email_domain', 'custom', 'list', 'created_at', 'last_engaged_at'] as const;

export const conditionSchema = z.discriminatedUnion('field', conditionSchemas, {
  error: (issue) => (issue.code === 'invalid_union' ? `field must be one of ${FIELDS.join(', ')}` : undefined),
});

export const segmentFilterSchema = z.strictObject({
  match: z.enum(['all', 'any'], { error: 'match must be "all" or "any"' }),
  conditions: z.array(conditionSchema).min(1, 'a segment needs at least one condition').max(50, 'at most 50 conditions'),
}).describe('Conditions joined by `all` or `any`: `{field: "country"|"kind"|"email_domain", op: "in"|"not_in", values}`, '
  + '`{field: "custom", key, op: "equals"|"not_equals"|"contains"|"not_contains"|"is_set"|"is_not_set", value?}`, `{field: "list", op: "in"|"not_in", listId}`, '
  + '`{field: "created_at", op: "before"|"after", value}`, `{field: "last_engaged_at", op: "before"|"after"|"never", value?}` (an open is not engagement).');

export type SegmentCondition = z.output<typeof conditionSchema>;
export type SegmentFilter = z.output<typeof segmentFilterSchema>;

/** The lists a filter names (they must be the workspace's own). */
export function listIdsOf(filter: SegmentFilter): string[] {
  return [...new Set(filter.conditions.flatMap((c) => (c.field === 'list' ? [c.listId] : [])))];
}
