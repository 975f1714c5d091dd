/**
 * The provenance declaration that starts every import, like a list-origin audit: where the addresses come from,
 * when and by whom they were collected, how consent was asked, and what evidence is kept.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normaliseCategories } from '../engine/category.js';
import { COLLECTED_BY, CONSENT_METHODS, KINDS, SOURCE_TYPES } from '../engine/types.js';

const isoDate = z.string().trim().refine((v) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) && !Number.isNaN(Date.parse(v)), {
  message: 'must be a date such as 2026-03-01 or 2026-03-01T09:00:00Z',
});

export const declarationSchema = z.object({
  /** Name of the list the rows join; created when it does not exist. */
  list: z.string().trim().min(1, 'must name a list').max(200),
  source: z.enum(SOURCE_TYPES),
  /** When collection ended (the consent date given to each row). */
  collectedAt: isoDate,
  /** When collection started, for a period. */
  collectedFrom: isoDate.optional(),
  collectedBy: z.enum(COLLECTED_BY).default('us'),
  consent: z.enum(CONSENT_METHODS),
  evidence: z.array(z.string().trim().min(1).max(500)).max(50).default([]),
  /** In the importer's own words: how the addresses were gathered. */
  description: z.string().trim().max(5000).default(''),
  /** Used for rows without a country column or value (ISO 3166-1 alpha-2). */
  defaultCountry: z.string().trim().regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code').transform((v) => v.toUpperCase()).optional(),
  /** Used for rows that do not say (B2C versus B2B). */
  defaultKind: z.enum(KINDS).default('consumer'),
  /** Product categories for a `purchase_notice` (soft opt-in) consent, in the platform's form ("Running Shoes" is
   *  `running-shoes`, as campaigns and purchases store them), so the same notice typed twice is one declaration. */
  categories: z.array(z.string().trim().min(1)).max(50).default([]).transform(normaliseCategories),
  sponsors: z.object({ count: z.number().int().min(0), named: z.boolean().default(false) }).optional(),
  clientAttested: z.boolean().optional(),
}).superRefine((d, ctx) => {
  const end = Date.parse(d.collectedAt);
  if (d.collectedFrom && Date.parse(d.collectedFrom) > end) {
    ctx.addIssue({ code: 'custom', path: ['collectedFrom'], message: 'must not be after collectedAt' });
  }
});

export type DeclarationInput = z.input<typeof declarationSchema>;
export type Declaration = z.output<typeof declarationSchema>;

/**
 * Identifies the evidence of a declaration: two imports with the same provenance give the same consent event,
 * which is what makes importing the same file twice change nothing. The list is not part of it: the consent
 * is the same whichever list the address joins.
 */
export function declarationFingerprint(d: Declaration): string {
  const key = {
    source: d.source, collectedAt: new Date(d.collectedAt).toISOString(), collectedFrom: d.collectedFrom ?? null,
    collectedBy: d.collectedBy, consent: d.consent, evidence: [...d.evidence].sort(), categories: [...d.categories].sort(),
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32);
}
