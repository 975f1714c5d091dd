/** The API's contact shapes (zod): the evaluate contract's vocabulary, plus custom fields. */
import { z } from 'zod';
import { knownFields } from '../server/known-fields.js';
import { CHANNELS, COLLECTED_BY, KINDS, SOURCE_TYPES } from '../engine/types.js';

export const isoDateTime = z.iso.datetime({ offset: true });
const reference = z.string().min(1).max(2000);

export const sourceSchema = z.object({
  type: z.enum(SOURCE_TYPES),
  at: isoDateTime.optional(),
  collectedBy: z.enum(COLLECTED_BY).optional(),
  evidence: z.array(reference).max(100).optional(),
  sponsors: z.object({ count: z.number().int().min(0), named: z.boolean().optional() }).optional(),
  clientAttested: z.boolean().optional(),
  legitimateInterest: z.object({
    reason: z.string().max(2000).optional(),
    roleRelevant: z.boolean().optional(),
    informedAtCollection: z.boolean().optional(),
    sourceUrl: z.string().max(2000).optional(),
  }).optional(),
});

const customFields = z.record(z.string().min(1).max(100), z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]))
  .refine((v) => Object.keys(v).length <= 100, 'at most 100 custom fields');

// A key a contact does not have is refused and named, never dropped: `{"firstName": "Ada"}` was answered 200 and
// stored nothing. Names and the like go in customFields; what a GET answered (id, dates) may be sent back.
const contactFieldOptions = {
  aliases: {
    firstname: 'customFields', lastname: 'customFields', name: 'customFields', fullname: 'customFields', company: 'customFields', language: 'customFields',
    fields: 'customFields', custom: 'customFields', countrycode: 'country', mail: 'email', emailaddress: 'email', birthday: 'birthDate', dateofbirth: 'birthDate',
  },
  readOnly: ['id', 'createdAt', 'updatedAt'],
} as const;

export const contactCreateSchema = knownFields({
  email: z.string().max(320).optional(),
  phone: z.string().regex(/^\+[1-9][0-9]{1,14}$/, 'must be an E.164 number like +33612345678').optional(),
  country: z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
  kind: z.enum(KINDS).optional(),
  birthDate: z.iso.date().optional(),
  customFields: customFields.optional(),
  source: sourceSchema,
  registries: z.array(z.string().min(1).max(50)).max(20).optional(),
}, contactFieldOptions).refine((c) => c.email !== undefined || c.phone !== undefined, { message: 'an email or a phone number is required', path: ['email'] });

export const contactUpdateSchema = knownFields({
  email: z.string().max(320).optional(),
  phone: z.string().regex(/^\+[1-9][0-9]{1,14}$/, 'must be an E.164 number like +33612345678').nullable().optional(),
  country: z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').optional(),
  kind: z.enum(KINDS).optional(),
  birthDate: z.iso.date().nullable().optional(),
  customFields: customFields.optional(),
  source: sourceSchema.optional(),
  registries: z.array(z.string().min(1).max(50)).max(20).optional(),
}, contactFieldOptions);

export type ContactCreate = z.output<typeof contactCreateSchema>;
export type ContactUpdate = z.output<typeof contactUpdateSchema>;

export const contactView = z.object({
  id: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  country: z.string(),
  kind: z.enum(KINDS),
  birthDate: z.string().nullable(),
  customFields: z.record(z.string(), z.unknown()),
  source: sourceSchema,
  registries: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const channelOrAll = z.enum([...CHANNELS, 'all']);
export const idParams = z.object({ id: z.uuid() });
