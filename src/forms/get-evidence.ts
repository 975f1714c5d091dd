/**
 * Use case: the proof of a contact's consents, as a sender would present it in a dispute: for each consent
 * event, what was shown (the exact wording of that form version, re-hashed and compared), when, from where,
 * and when and from where it was confirmed.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { isLanguage } from '../i18n/language.js';
import { readContactData } from '../public/public.repository.js';
import { consentTextHash, type ConsentChannel } from './form-definition.js';
import { findFormVersion, findLists } from './forms.repository.js';

export type EvidenceEntry = {
  id: string;
  channel: string;
  method: string;
  at: string;
  confirmedAt: string | null;
  withdrawnAt: string | null;
  recordedBy: string | null;
  lists: string[];
  evidence: Record<string, unknown>;
  /** The exact text shown, when the event came from one of our forms and its version is still held. */
  textShown: string | null;
  /** True when the stored text still hashes to the hash recorded at sign-up. */
  textHashMatches: boolean | null;
};

export type Evidence = {
  contactId: string;
  email: string | null;
  source: { type: string; at: string | null; collectedBy: string; evidence: unknown[] };
  consents: EvidenceEntry[];
  suppressions: { reason: string; channel: string; at: string; liftedAt: string | null }[];
};

export async function getEvidence(options: { db: Kysely<Database>; workspaceId: string; contactId: string }): Promise<Evidence | undefined> {
  const { db, workspaceId, contactId } = options;
  const data = await readContactData(db, workspaceId, contactId);
  if (!data) return undefined;
  // Names of every list a consent covered, including lists the person has left since.
  const listIds = [...new Set(data.consents.flatMap((e) => e.categories))];
  const listNames = new Map((await findLists(db, workspaceId, listIds)).map((l) => [l.id, l.name]));
  const consents: EvidenceEntry[] = [];
  for (const e of data.consents) {
    const ev = e.evidence as Record<string, unknown>;
    let textShown: string | null = null;
    let textHashMatches: boolean | null = null;
    if (typeof ev.formId === 'string' && typeof ev.formVersion === 'number') {
      const version = await findFormVersion(db, ev.formId, ev.formVersion);
      const lang = isLanguage(ev.language) ? ev.language : 'en';
      const text = version && version.workspace_id === workspaceId ? version.wording[lang]?.consent[e.channel as ConsentChannel] : undefined;
      if (text !== undefined) {
        textShown = text;
        textHashMatches = typeof ev.wordingHash === 'string' ? consentTextHash(text) === ev.wordingHash : false;
      }
    }
    consents.push({
      id: e.id, channel: e.channel, method: e.method, at: e.at.toISOString(), confirmedAt: e.confirmed_at?.toISOString() ?? null,
      withdrawnAt: e.withdrawn_at?.toISOString() ?? null, recordedBy: e.recorded_by, lists: e.categories.map((id) => listNames.get(id) ?? id),
      evidence: ev, textShown, textHashMatches,
    });
  }
  const c = data.contact;
  return {
    contactId: c.id, email: c.email,
    source: { type: c.source_type, at: c.source_at?.toISOString() ?? null, collectedBy: c.collected_by, evidence: c.source_evidence },
    consents,
    suppressions: data.suppressions.map((s) => ({ reason: s.reason, channel: s.channel, at: s.at.toISOString(), liftedAt: s.lifted_at?.toISOString() ?? null })),
  };
}
