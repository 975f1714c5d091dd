/** SQL of campaigns and sends (creation, reads, status changes). The outbox rows are in sending/outbox.repository.ts. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import '../sending/sending.table.js';
import type { SendStatus } from '../sending/sending.table.js';
import type { Campaign, CampaignFields, CampaignStatus } from './campaign.js';

type Row = { id: string; workspace_id: string; status: CampaignStatus; definition: Record<string, unknown>; created_at: Date; updated_at: Date };

const toCampaign = (r: Row): Campaign => ({
  ...(r.definition as CampaignFields), id: r.id, workspaceId: r.workspace_id, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at,
});

export async function insertCampaign(db: Kysely<Database>, workspaceId: string, fields: CampaignFields, now: Date): Promise<Campaign> {
  const r = await db.insertInto('campaigns')
    .values({ workspace_id: workspaceId, name: fields.name, definition: JSON.stringify(fields), created_at: now, updated_at: now })
    .returningAll().executeTakeFirstOrThrow();
  return toCampaign(r as Row);
}

/** Replaces the fields of a campaign that is in one of `from` (default: not started yet). */
export async function updateCampaignRow(db: Kysely<Database>, workspaceId: string, id: string, fields: CampaignFields, now: Date, from: CampaignStatus[] = ['draft', 'scheduled']): Promise<Campaign | undefined> {
  const r = await db.updateTable('campaigns')
    .set({ name: fields.name, definition: JSON.stringify(fields), updated_at: now })
    .where('workspace_id', '=', workspaceId).where('id', '=', id).where('status', 'in', from)
    .returningAll().executeTakeFirst();
  return r && toCampaign(r as Row);
}

export async function findCampaign(db: Kysely<Database>, workspaceId: string, id: string): Promise<Campaign | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const r = await db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return r && toCampaign(r as Row);
}

export async function listCampaigns(db: Kysely<Database>, workspaceId: string, limit: number): Promise<Campaign[]> {
  const rows = await db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').limit(limit).execute();
  return rows.map((r) => toCampaign(r as Row));
}

/** Sets `scheduledAt` in a scheduled campaign's fields (a new time for its send). */
export async function setScheduledAt(db: Kysely<Database>, workspaceId: string, id: string, scheduledAt: string, now: Date): Promise<boolean> {
  const r = await db.updateTable('campaigns')
    .set({ definition: sql`jsonb_set(definition, '{scheduledAt}', to_jsonb(${scheduledAt}::text))`, updated_at: now })
    .where('workspace_id', '=', workspaceId).where('id', '=', id).where('status', '=', 'scheduled').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Compare-and-set of the campaign status; false when it was not in one of `from`. */
export async function setCampaignStatus(db: Kysely<Database>, workspaceId: string, id: string, from: CampaignStatus[], to: CampaignStatus, now: Date): Promise<boolean> {
  const r = await db.updateTable('campaigns').set({ status: to, updated_at: now })
    .where('workspace_id', '=', workspaceId).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export type SendRow = {
  id: number; workspace_id: string; campaign_id: string; status: SendStatus; acknowledged_by: string; acknowledged_at: Date;
  snapshot: Record<string, unknown>; queued: number; blocked: number; created_at: Date; finished_at: Date | null;
};

/** `acknowledgedAt` defaults to `now`; a scheduled send carries the moment its operator acknowledged the terms. */
export async function insertSend(db: Kysely<Database>, v: { workspaceId: string; campaignId: string; acknowledgedBy: string; acknowledgedAt?: Date; acknowledgement: string; snapshot: object; now: Date }): Promise<number> {
  const r = await db.insertInto('sends').values({
    workspace_id: v.workspaceId, campaign_id: v.campaignId, acknowledged_by: v.acknowledgedBy, acknowledged_at: v.acknowledgedAt ?? v.now,
    acknowledgement: v.acknowledgement, snapshot: JSON.stringify(v.snapshot), created_at: v.now,
  }).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export type QueuedRecipient = { contactId: string; email: string; verdict: string; basis: string | null; reasons: unknown[] };

/**
 * Writes the outbox rows of a send: `queued` for a `send` verdict, `blocked` (never sent) otherwise. Pages travel
 * as one jsonb parameter each: a multi-row VALUES of 1,000 rows bound 10,000 parameters, and the server spent
 * ~33 µs a recipient on the insert (measured at 30,000 recipients).
 */
export async function insertRecipients(db: Kysely<Database>, workspaceId: string, sendId: number, rows: QueuedRecipient[], now: Date): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    const page = JSON.stringify(rows.slice(i, i + 5000).map((r) => ({ c: r.contactId, e: r.email, v: r.verdict, b: r.basis, r: r.reasons })));
    await sql`
      insert into send_recipients (send_id, workspace_id, contact_id, email, idempotency_key, state, verdict, basis, reasons, next_attempt_at)
      select ${sendId}::bigint, ${workspaceId}::uuid, x.c, x.e, ${sendId}::text || '.' || x.c::text,
             case when x.v = 'send' then 'queued' else 'blocked' end, x.v, x.b, coalesce(x.r, '[]'::jsonb), ${now}::timestamptz
        from jsonb_to_recordset(${page}::jsonb) as x(c uuid, e text, v text, b text, r jsonb)`.execute(db);
  }
  const queued = rows.filter((r) => r.verdict === 'send').length;
  await db.updateTable('sends').set({ queued, blocked: rows.length - queued }).where('id', '=', sendId).execute();
}

export async function findSend(db: Kysely<Database>, id: number): Promise<SendRow | undefined> {
  const r = await db.selectFrom('sends').selectAll().where('id', '=', id).executeTakeFirst();
  return r && ({ ...r, id: Number(r.id) } as SendRow);
}

export async function latestSendOf(db: Kysely<Database>, workspaceId: string, campaignId: string): Promise<SendRow | undefined> {
  const r = await db.selectFrom('sends').selectAll().where('workspace_id', '=', workspaceId).where('campaign_id', '=', campaignId)
    .orderBy('id', 'desc').limit(1).executeTakeFirst();
  return r && ({ ...r, id: Number(r.id) } as SendRow);
}

/** Pause, resume or cancel a send (compare-and-set); cancelling also cancels every row not yet sent. */
export async function setSendStatus(db: Kysely<Database>, sendId: number, from: SendStatus[], to: SendStatus, now: Date): Promise<boolean> {
  const r = await db.updateTable('sends').set({ status: to, ...(to === 'cancelled' ? { finished_at: now } : {}) })
    .where('id', '=', sendId).where('status', 'in', from).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  if (to === 'cancelled') {
    await sql`update send_recipients set state = 'cancelled' where send_id = ${sendId} and state = 'queued'`.execute(db);
  }
  return true;
}

export type SendCounts = Record<string, number>;

export async function countRecipientStates(db: Kysely<Database>, sendId: number): Promise<SendCounts> {
  const rows = await db.selectFrom('send_recipients').select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('send_id', '=', sendId).groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** Why did (or didn't) this contact get this send: both verdicts and the outcome, as stored. */
export async function findRecipient(db: Kysely<Database>, workspaceId: string, sendId: number, contactId: string) {
  return db.selectFrom('send_recipients')
    .select(['contact_id', 'email', 'state', 'verdict', 'basis', 'reasons', 'recheck_verdict', 'recheck_reasons', 'attempts', 'last_reply', 'sent_at'])
    .where('workspace_id', '=', workspaceId).where('send_id', '=', sendId).where('contact_id', '=', contactId).executeTakeFirst();
}
