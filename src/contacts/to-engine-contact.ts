/**
 * A stored contact (row plus its consents, activity, suppressions and bounces) → the engine's contact input,
 * exactly the `contact` object of the evaluate contract. Pure; reused by campaigns and sending. Categories are
 * normalised (`normaliseCategory`): data stored before they were, and imports' consents, meet a campaign's.
 */
import { normaliseCategories } from '../engine/category.js';
import { ACTIVITY_TYPES, type ActivityType, type ContactInput, type ConsentInput } from '../engine/types.js';
import type { EngineData } from './contacts.repository.js';

const engineActivity = new Set<string>(ACTIVITY_TYPES);

/** A consent's stored evidence object → the contract's list of references (empty when nothing is kept). */
export function evidenceReferences(evidence: unknown): string[] {
  if (Array.isArray(evidence)) return evidence.filter((x): x is string => typeof x === 'string');
  if (!evidence || typeof evidence !== 'object') return [];
  const e = evidence as Record<string, unknown>;
  const refs: string[] = [];
  if (typeof e.formId === 'string') refs.push(`form:${e.formId}${e.formVersion !== undefined ? `@${String(e.formVersion)}` : ''}`);
  if (typeof e.wordingHash === 'string') refs.push(`wording:${e.wordingHash}`);
  if (typeof e.ip === 'string') refs.push(`ip:${e.ip}`);
  if (typeof e.userAgent === 'string') refs.push(`user-agent:${e.userAgent}`);
  if (Array.isArray(e.documents)) for (const d of e.documents) if (typeof d === 'string') refs.push(d);
  return refs;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);

export function toEngineContact(data: EngineData): ContactInput {
  const c = data.contact;
  const details = (c.source_details ?? {}) as Record<string, any>;
  const consents: ConsentInput[] = data.consents.map((e) => ({
    channel: e.channel as ConsentInput['channel'],
    method: e.method as ConsentInput['method'],
    at: e.at.toISOString(),
    ...(e.confirmed_at ? { confirmedAt: e.confirmed_at.toISOString() } : {}),
    ...(e.withdrawn_at ? { withdrawnAt: e.withdrawn_at.toISOString() } : {}),
    evidence: evidenceReferences(e.evidence),
    categories: normaliseCategories(e.categories ?? []),
  }));
  const contact: ContactInput = {
    country: c.country,
    kind: c.kind,
    source: {
      type: c.source_type as ContactInput['source']['type'],
      collectedBy: c.collected_by,
      evidence: (c.source_evidence as string[]) ?? [],
      ...(c.source_at ? { at: iso(c.source_at) } : {}),
      ...(details.sponsors ? { sponsors: details.sponsors } : {}),
      ...(details.clientAttested !== undefined ? { clientAttested: details.clientAttested } : {}),
      ...(details.legitimateInterest ? { legitimateInterest: details.legitimateInterest } : {}),
    },
    consents,
    purchases: data.activity.filter((a) => a.type === 'purchase').map((a) => ({ at: a.at.toISOString(), categories: normaliseCategories(a.categories ?? []) })),
    inquiries: data.activity.filter((a) => a.type === 'inquiry').map((a) => ({ at: a.at.toISOString() })),
    activity: data.activity.filter((a) => engineActivity.has(a.type)).map((a) => ({ type: a.type as ActivityType, at: a.at.toISOString() })),
    suppressions: data.suppressions.map((s) => ({
      reason: s.reason as any, at: s.at.toISOString(), channel: s.channel as any, scope: s.scope as any,
    })),
    bounces: data.bounces.map((b) => ({ type: b.type, at: b.at.toISOString(), ...(b.status ? { status: b.status } : {}) })),
    registries: (c.registries as string[]) ?? [],
  };
  if (c.email) contact.email = c.email;
  if (c.phone) contact.phone = c.phone;
  if (c.birth_date) contact.birthDate = c.birth_date;
  return contact;
}
