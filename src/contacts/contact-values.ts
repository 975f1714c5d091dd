/** API input → stored contact values: the address normalised (as the engine does), the country canonical. */
import { normalizeEmail } from '../engine/address.js';
import { AppError } from '../errors.js';
import type { ContactCreate } from './contact-schemas.js';
import type { ContactValues } from './contacts.repository.js';

export function normalizeContactEmail(email: string | undefined | null): string | null {
  if (email === undefined || email === null || email.trim() === '') return null;
  const n = normalizeEmail(email.trim());
  if (!n.ok) throw new AppError('invalid_input', `email: ${n.message}`, { details: { issues: [{ path: 'body.email', message: n.message }] } });
  return n.address;
}

export function canonicalCountry(country: string): string {
  const upper = country.toUpperCase();
  return upper === 'UK' ? 'GB' : upper;
}

export function toContactValues(input: ContactCreate): ContactValues {
  const { type, at, collectedBy, evidence, ...details } = input.source;
  return {
    email: normalizeContactEmail(input.email),
    phone: input.phone ?? null,
    country: canonicalCountry(input.country),
    kind: input.kind ?? 'consumer',
    birthDate: input.birthDate ?? null,
    customFields: input.customFields ?? {},
    sourceType: type,
    sourceAt: at ? new Date(at) : null,
    collectedBy: collectedBy ?? 'us',
    sourceEvidence: evidence ?? [],
    sourceDetails: details,
    registries: input.registries ?? [],
  };
}

/** Postgres unique violation, by SQLSTATE (never by message text). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
