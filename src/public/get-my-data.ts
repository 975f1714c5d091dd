/**
 * Use case: everything held about a person, shaped for the "my data" page and the JSON access export
 * (GDPR Art. 15): identity and fields, where the address came from, every consent with its evidence, lists,
 * blocks, bounces, preferences, activity, and the campaign mails sent to them (or held back, and how).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { readContactData } from './public.repository.js';

export type MyData = {
  contact: { email: string | null; phone: string | null; country: string; fields: Record<string, unknown>; createdAt: string };
  source: { type: string; at: string | null; collectedBy: string; evidence: unknown[]; details: Record<string, unknown> };
  consents: { channel: string; method: string; at: string; confirmedAt: string | null; withdrawnAt: string | null; evidence: Record<string, unknown> }[];
  lists: { id: string; name: string; since: string }[];
  suppressions: { reason: string; channel: string; scope: string; at: string; liftedAt: string | null }[];
  bounces: { type: string; at: string; status: string | null }[];
  preferences: { frequency: string } | null;
  activity: { type: string; at: string; details: Record<string, unknown> }[];
  /** One per campaign send the person was in the audience of: `state` is `sent`, `blocked`, `bounced`… */
  messages: { campaign: string; subject: string | null; state: string; sentAt: string | null; sendStartedAt: string }[];
};

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export async function getMyData(options: { db: Kysely<Database>; workspaceId: string; contactId: string }): Promise<MyData | undefined> {
  const data = await readContactData(options.db, options.workspaceId, options.contactId);
  if (!data) return undefined;
  const c = data.contact;
  return {
    contact: { email: c.email, phone: c.phone, country: c.country, fields: c.custom_fields, createdAt: iso(c.created_at)! },
    source: { type: c.source_type, at: iso(c.source_at), collectedBy: c.collected_by, evidence: c.source_evidence, details: c.source_details },
    consents: data.consents.map((e) => ({ channel: e.channel, method: e.method, at: iso(e.at)!, confirmedAt: iso(e.confirmed_at), withdrawnAt: iso(e.withdrawn_at), evidence: e.evidence })),
    lists: data.memberships.map((m) => ({ id: m.id, name: m.name, since: iso(m.added_at)! })),
    suppressions: data.suppressions.map((s) => ({ reason: s.reason, channel: s.channel, scope: s.scope, at: iso(s.at)!, liftedAt: iso(s.lifted_at) })),
    bounces: data.bounces.map((b) => ({ type: b.type, at: iso(b.at)!, status: b.status })),
    preferences: data.preferences ? { frequency: data.preferences.frequency } : null,
    activity: data.activity.map((a) => ({ type: a.type, at: iso(a.at)!, details: a.details })),
    messages: data.messages.map((m) => ({ campaign: m.campaign, subject: m.subject, state: m.state, sentAt: iso(m.sent_at), sendStartedAt: iso(m.send_at)! })),
  };
}
