/** The API's consent event shapes. Evidence keeps what was shown and where: form, wording hash, IP, user agent. */
import { z } from 'zod';
import { normaliseCategories, normaliseCategory } from '../engine/category.js';
import { CHANNELS, CONSENT_METHODS } from '../engine/types.js';
import { isoDateTime } from '../contacts/contact-schemas.js';
import type { ConsentRow } from './consents.repository.js';

export const evidenceSchema = z.object({
  formId: z.string().max(200).optional(),
  formVersion: z.union([z.string().max(50), z.number().int()]).optional(),
  wordingHash: z.string().max(200).optional(),
  ip: z.string().max(100).optional(),
  userAgent: z.string().max(1000).optional(),
  documents: z.array(z.string().min(1).max(2000)).max(50).optional(),
});

export const consentCreateSchema = z.object({
  channel: z.enum(CHANNELS),
  method: z.enum(CONSENT_METHODS),
  at: isoDateTime,
  confirmedAt: isoDateTime.optional(),
  // the contract's array of references is accepted too, kept as documents
  evidence: z.union([evidenceSchema, z.array(z.string().min(1).max(2000)).max(50).transform((documents) => ({ documents }))]).optional(),
  // normalised: the engine compares categories exactly, and a campaign's are normalised too
  categories: z.array(z.string().max(200).refine((c) => normaliseCategory(c).length > 0, 'a category needs a letter or a digit')).max(100).transform(normaliseCategories).optional(),
}).refine((c) => !c.confirmedAt || Date.parse(c.confirmedAt) >= Date.parse(c.at), { message: 'must not be before at', path: ['confirmedAt'] });

export type ConsentCreate = z.output<typeof consentCreateSchema>;

export const withdrawSchema = z.object({ at: isoDateTime.optional() });

export function consentToJson(e: ConsentRow) {
  return {
    id: e.id,
    contactId: e.contact_id,
    channel: e.channel,
    method: e.method,
    at: e.at.toISOString(),
    confirmedAt: e.confirmed_at?.toISOString() ?? null,
    withdrawnAt: e.withdrawn_at?.toISOString() ?? null,
    evidence: e.evidence,
    categories: e.categories,
    recordedBy: e.recorded_by,
    createdAt: e.created_at.toISOString(),
  };
}
