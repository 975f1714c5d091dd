/**
 * SQL for the audience of a send: who is on the campaign's lists, and the engine data of many contacts at once.
 * `loadEngineDataMany` is the batch form of `contacts.repository.ts#loadEngineData` (same shape, same
 * subqueries): the worker re-evaluates a whole claimed batch in one round trip instead of one per recipient.
 */
import { sql, type Kysely } from 'kysely';
import type { ContactRow, EngineData } from '../contacts/contacts.repository.js';
import type { Database } from '../db/schema.js';

const toDate = (v: string | Date) => (v instanceof Date ? v : new Date(v));

/** Contact ids on any of the lists, each once, in id order (a keyset page of `limit` after `after`). */
export async function listAudienceIds(db: Kysely<Database>, options: { workspaceId: string; listIds: string[]; after?: string; limit: number }): Promise<string[]> {
  if (options.listIds.length === 0) return [];
  let q = db.selectFrom('list_memberships').select('contact_id').distinct()
    .where('workspace_id', '=', options.workspaceId).where('list_id', 'in', options.listIds);
  if (options.after) q = q.where('contact_id', '>', options.after);
  const rows = await q.orderBy('contact_id').limit(options.limit).execute();
  return rows.map((r) => r.contact_id);
}

/** Engine data of every listed contact of the workspace; ids of other workspaces are simply absent. */
export async function loadEngineDataMany(db: Kysely<Database>, workspaceId: string, ids: readonly string[]): Promise<Map<string, EngineData>> {
  const out = new Map<string, EngineData>();
  if (ids.length === 0) return out;
  const result = await sql<ContactRow & { x_consents: any[]; x_activity: any[]; x_suppressions: any[]; x_bounces: any[] }>`
    select c.*,
      coalesce((select json_agg(json_build_object('channel', e.channel, 'method', e.method, 'at', e.at, 'confirmed_at', e.confirmed_at,
        'withdrawn_at', e.withdrawn_at, 'evidence', e.evidence, 'categories', e.categories) order by e.at)
        from consent_events e where e.contact_id = c.id), '[]') as x_consents,
      coalesce((select json_agg(json_build_object('type', a.type, 'at', a.at, 'categories', a.categories) order by a.at)
        from activity_events a where a.contact_id = c.id), '[]') as x_activity,
      coalesce((select json_agg(json_build_object('reason', s.reason, 'at', s.at, 'channel', s.channel, 'scope', s.scope) order by s.at)
        from suppressions s where s.contact_id = c.id and s.lifted_at is null), '[]') as x_suppressions,
      coalesce((select json_agg(json_build_object('type', b.type, 'at', b.at, 'status', b.status) order by b.at)
        from bounces b where b.contact_id = c.id), '[]') as x_bounces
    from contacts c
    where c.workspace_id = ${workspaceId}
      and c.id in (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::uuid)`.execute(db);
  for (const row of result.rows) {
    const { x_consents, x_activity, x_suppressions, x_bounces, ...contact } = row;
    out.set(contact.id, {
      contact: { ...contact, created_at: toDate(contact.created_at), updated_at: toDate(contact.updated_at), source_at: contact.source_at && toDate(contact.source_at) },
      consents: x_consents.map((e) => ({ ...e, at: toDate(e.at), confirmed_at: e.confirmed_at && toDate(e.confirmed_at), withdrawn_at: e.withdrawn_at && toDate(e.withdrawn_at) })),
      activity: x_activity.map((a) => ({ ...a, at: toDate(a.at) })),
      suppressions: x_suppressions.map((s) => ({ ...s, at: toDate(s.at) })),
      bounces: x_bounces.map((b) => ({ ...b, at: toDate(b.at) })),
    });
  }
  return out;
}
