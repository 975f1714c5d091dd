/**
 * SQL for contacts. Every query is scoped by workspace: a contact of another workspace is simply not found.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ContactsTable, Database } from '../db/schema.js';
import type { B2bColdEmail, WorkspacePolicy } from '../engine/types.js';

export type ContactRow = Selectable<ContactsTable>;

export type ContactValues = {
  email: string | null;
  phone: string | null;
  country: string;
  kind: ContactRow['kind'];
  birthDate: string | null;
  customFields: Record<string, unknown>;
  sourceType: string;
  sourceAt: Date | null;
  collectedBy: ContactRow['collected_by'];
  sourceEvidence: string[];
  sourceDetails: Record<string, unknown>;
  registries: string[];
};

function columns(v: ContactValues) {
  return {
    email: v.email, phone: v.phone, country: v.country, kind: v.kind, birth_date: v.birthDate,
    custom_fields: JSON.stringify(v.customFields), source_type: v.sourceType, source_at: v.sourceAt,
    collected_by: v.collectedBy, source_evidence: JSON.stringify(v.sourceEvidence),
    source_details: JSON.stringify(v.sourceDetails), registries: JSON.stringify(v.registries),
  };
}

export async function insertContact(db: Kysely<Database>, workspaceId: string, values: ContactValues, now: Date): Promise<ContactRow> {
  return db.insertInto('contacts').values({ workspace_id: workspaceId, ...columns(values), created_at: now, updated_at: now })
    .returningAll().executeTakeFirstOrThrow();
}

export async function updateContactRow(db: Kysely<Database>, workspaceId: string, id: string, values: ContactValues, now: Date): Promise<ContactRow | undefined> {
  return db.updateTable('contacts').set({ ...columns(values), updated_at: now })
    .where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function findContact(db: Kysely<Database>, workspaceId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<ContactRow | undefined> {
  let q = db.selectFrom('contacts').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (options.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function findContactByEmail(db: Kysely<Database>, workspaceId: string, email: string): Promise<ContactRow | undefined> {
  return db.selectFrom('contacts').selectAll().where('workspace_id', '=', workspaceId)
    .where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
}

/** Keyset paging by id: stable under inserts, no OFFSET scans. */
export async function listContacts(db: Kysely<Database>, options: { workspaceId: string; after?: string; limit: number; email?: string; q?: string }): Promise<ContactRow[]> {
  let q = db.selectFrom('contacts').selectAll().where('workspace_id', '=', options.workspaceId);
  if (options.email) q = q.where(sql`lower(email)`, '=', options.email.toLowerCase());
  if (options.q) q = q.where(sql`lower(email)`, 'like', `%${options.q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`);
  if (options.after) q = q.where('id', '>', options.after);
  return q.orderBy('id').limit(options.limit).execute();
}

/** Erasure: the only path that deletes consent events, so it opens the ledger's guard for this transaction. */
export async function deleteContactForErasure(trx: Kysely<Database>, workspaceId: string, id: string): Promise<boolean> {
  await sql`select set_config('listwarden.erasure', 'on', true)`.execute(trx);
  const result = await trx.deleteFrom('contacts').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  await sql`select set_config('listwarden.erasure', 'off', true)`.execute(trx);
  return Number(result.numDeletedRows) > 0;
}

export type EngineData = {
  contact: ContactRow;
  consents: { channel: string; method: string; at: Date; confirmed_at: Date | null; withdrawn_at: Date | null; evidence: Record<string, unknown>; categories: string[] }[];
  activity: { type: string; at: Date; categories: string[] }[];
  suppressions: { reason: string; at: Date; channel: string; scope: string }[];
  bounces: { type: 'hard' | 'soft'; at: Date; status: string | null }[];
  /** The workspace's settings (RULES.md C-1), read only when asked for (`withWorkspacePolicy`). */
  workspacePolicy?: WorkspacePolicy;
};

const toDate = (v: string | Date) => (v instanceof Date ? v : new Date(v));

export type ContactKey = { workspaceId: string; id: string };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Everything the engine needs about one contact, in one round trip (the eligibility endpoint's hot path).
 * See `loadEngineDataFor`.
 */
export async function loadEngineData(db: Kysely<Database>, workspaceId: string, id: string, options: { withWorkspacePolicy?: boolean } = {}): Promise<EngineData | undefined> {
  return (await loadEngineDataFor(db, [{ workspaceId, id }], options))[0];
}

/**
 * Engine data for several (workspace, contact) pairs in one statement: one answer per key, in order,
 * undefined where that workspace has no such contact (a pair matches only its own workspace's row). Each
 * contact comes back as ONE json value (its row, consents, activity, live suppressions and bounces): pg sets
 * up a parser per column on every execution, and twenty columns cost ~10% of the route's CPU.
 * Plan on 100k contacts: a nested loop of index scans, ~22 buffer hits and ~0.2 ms per contact.
 */
export async function loadEngineDataFor(db: Kysely<Database>, keys: readonly ContactKey[], options: { withWorkspacePolicy?: boolean } = {}): Promise<(EngineData | undefined)[]> {
  // a malformed id would fail the cast for every key of the batch: it simply matches nothing
  const valid = keys.filter((k) => uuidPattern.test(k.id) && uuidPattern.test(k.workspaceId));
  const found = new Map<string, EngineData>();
  if (valid.length > 0) {
    const pairs = JSON.stringify(valid.map((k) => ({ wid: k.workspaceId, cid: k.id })));
    // the workspace's settings ride in the same statement (a primary-key probe a contact) rather than a second
    // statement per batch, which is one more round trip and pg's per-query work
    const policy = options.withWorkspacePolicy ? sql`, 'b2bColdEmail', (select w.b2b_cold_email from workspaces w where w.id = c.workspace_id)` : sql``;
    const result = await sql<{ x: { contact: any; consents: any[]; activity: any[]; suppressions: any[]; bounces: any[]; b2bColdEmail?: B2bColdEmail } }>`
      select json_build_object('contact', to_json(c),
        'consents', coalesce((select json_agg(json_build_object('channel', e.channel, 'method', e.method, 'at', e.at, 'confirmed_at', e.confirmed_at,
          'withdrawn_at', e.withdrawn_at, 'evidence', e.evidence, 'categories', e.categories) order by e.at)
          from consent_events e where e.contact_id = c.id), '[]'),
        'activity', coalesce((select json_agg(json_build_object('type', a.type, 'at', a.at, 'categories', a.categories) order by a.at)
          from activity_events a where a.contact_id = c.id), '[]'),
        'suppressions', coalesce((select json_agg(json_build_object('reason', s.reason, 'at', s.at, 'channel', s.channel, 'scope', s.scope) order by s.at)
          from suppressions s where s.contact_id = c.id and s.lifted_at is null), '[]'),
        'bounces', coalesce((select json_agg(json_build_object('type', b.type, 'at', b.at, 'status', b.status) order by b.at)
          from bounces b where b.contact_id = c.id), '[]')${policy}) as x
      from (select distinct wid, cid from jsonb_to_recordset(${pairs}::jsonb) as k(wid uuid, cid uuid)) k
      join contacts c on c.workspace_id = k.wid and c.id = k.cid`.execute(db);
    for (const { x } of result.rows) {
      const contact = x.contact as ContactRow;
      // json carries timestamps as text: turn them back into Dates here, once
      found.set(`${contact.workspace_id}/${contact.id}`, {
        contact: { ...contact, created_at: toDate(contact.created_at), updated_at: toDate(contact.updated_at), source_at: contact.source_at && toDate(contact.source_at) },
        consents: x.consents.map((e) => ({ ...e, at: toDate(e.at), confirmed_at: e.confirmed_at && toDate(e.confirmed_at), withdrawn_at: e.withdrawn_at && toDate(e.withdrawn_at) })),
        activity: x.activity.map((a) => ({ ...a, at: toDate(a.at) })),
        suppressions: x.suppressions.map((s) => ({ ...s, at: toDate(s.at) })),
        bounces: x.bounces.map((b) => ({ ...b, at: toDate(b.at) })),
        ...(x.b2bColdEmail !== undefined ? { workspacePolicy: { b2bColdEmail: x.b2bColdEmail } } : {}),
      });
    }
  }
  // uuids come back lower-case from the database
  return keys.map((k) => found.get(`${k.workspaceId.toLowerCase()}/${k.id.toLowerCase()}`));
}
