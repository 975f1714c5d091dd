/** SQL of campaigns and sends (creation, reads, status changes). The outbox rows are in sending/outbox.repository.ts. */
import { sql, type Kysely } from 'kysely';
import { copyBinaryRows } from '../db/copy-rows.js';
import { databaseKind, type DatabaseKind } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Language } from '../i18n/language.js';
import { CopyBinary, fields as copyFields } from '../imports/copy-binary.js';
import '../sending/sending.table.js';
import type { SendStatus } from '../sending/sending.table.js';
import type { Campaign, CampaignFields, CampaignStatus } from './campaign.js';

type Row = { id: string; workspace_id: string; status: CampaignStatus; definition: Record<string, unknown>; language: Language; created_at: Date; updated_at: Date };

// The column decides the language: a campaign stored before migration 0332 has none in its definition.
const toCampaign = (r: Row): Campaign => ({
  ...(r.definition as CampaignFields), language: r.language, id: r.id, workspaceId: r.workspace_id, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at,
});

export async function insertCampaign(db: Kysely<Database>, workspaceId: string, fields: CampaignFields, now: Date): Promise<Campaign> {
  const r = await db.insertInto('campaigns')
    .values({ workspace_id: workspaceId, name: fields.name, language: fields.language, definition: JSON.stringify(fields), created_at: now, updated_at: now })
    .returningAll().executeTakeFirstOrThrow();
  return toCampaign(r as Row);
}

/** Replaces the fields of a campaign that is in one of `from` (default: not started yet). */
export async function updateCampaignRow(db: Kysely<Database>, workspaceId: string, id: string, fields: CampaignFields, now: Date, from: CampaignStatus[] = ['draft', 'scheduled']): Promise<Campaign | undefined> {
  const r = await db.updateTable('campaigns')
    .set({ name: fields.name, language: fields.language, definition: JSON.stringify(fields), updated_at: now })
    .where('workspace_id', '=', workspaceId).where('id', '=', id).where('status', 'in', from)
    .returningAll().executeTakeFirst();
  return r && toCampaign(r as Row);
}

export async function findCampaign(db: Kysely<Database>, workspaceId: string, id: string): Promise<Campaign | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const r = await db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return r && toCampaign(r as Row);
}

/**
 * A page of the workspace's campaigns, newest first, without their bodies (`html` and `text` are left in the
 * database: a list of 200 campaigns of 50 KB each was 10 MB). `before`: the last id of the previous page (keyset
 * on creation time, then id); an unknown id gives an empty page.
 */
export async function listCampaigns(db: Kysely<Database>, workspaceId: string, limit: number, before?: string): Promise<Omit<Campaign, 'html' | 'text'>[]> {
  let q = db.selectFrom('campaigns as c')
    .select(['c.id', 'c.workspace_id', 'c.status', 'c.language', 'c.created_at', 'c.updated_at', sql<Record<string, unknown>>`c.definition - 'html' - 'text'`.as('definition')])
    .where('c.workspace_id', '=', workspaceId);
  if (before !== undefined) {
    q = q.where(sql<boolean>`(c.created_at, c.id) < (select b.created_at, b.id from campaigns b where b.workspace_id = ${workspaceId} and b.id = ${before})`);
  }
  const rows = await q.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(limit).execute();
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
/** A send id taken from the sequence ahead of its row (a start on PGlite encodes its outbox rows before writing). */
export async function reserveSendId(db: Kysely<Database>): Promise<number> {
  const r = await sql<{ id: string }>`select nextval(pg_get_serial_sequence('sends', 'id')) as id`.execute(db);
  return Number(r.rows[0].id);
}

/** Inserts a send; `id`: one reserved with `reserveSendId`, otherwise the next of the sequence. */
export async function insertSend(db: Kysely<Database>, v: { id?: number; workspaceId: string; campaignId: string; acknowledgedBy: string; acknowledgedAt?: Date; acknowledgement: string; snapshot: object; now: Date }): Promise<number> {
  if (v.id !== undefined) {
    await sql`insert into sends (id, workspace_id, campaign_id, acknowledged_by, acknowledged_at, acknowledgement, snapshot, created_at) overriding system value
      values (${v.id}, ${v.workspaceId}, ${v.campaignId}, ${v.acknowledgedBy}, ${v.acknowledgedAt ?? v.now}, ${v.acknowledgement}, ${JSON.stringify(v.snapshot)}, ${v.now})`.execute(db);
    return v.id;
  }
  const r = await db.insertInto('sends').values({
    workspace_id: v.workspaceId, campaign_id: v.campaignId, acknowledged_by: v.acknowledgedBy, acknowledged_at: v.acknowledgedAt ?? v.now,
    acknowledgement: v.acknowledgement, snapshot: JSON.stringify(v.snapshot), created_at: v.now,
  }).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export type QueuedRecipient = { contactId: string; email: string; verdict: string; basis: string | null; reasons: unknown[] };

/** The outbox columns a send's start fills, in the order `encodeRecipients` writes them; the rest take their defaults. */
export const RECIPIENT_COLUMNS = ['send_id', 'workspace_id', 'next_attempt_at', 'contact_id', 'email', 'idempotency_key', 'state', 'verdict', 'basis', 'reasons'] as const;

/**
 * Outbox rows of a send as binary COPY data: `queued` for a `send` verdict, `blocked` (never sent) otherwise, with
 * the verdict, basis and reasons as decided, the idempotency key `<send id>.<contact id>`, due `now`. Pure.
 */
export function encodeRecipients(workspaceId: string, sendId: number, rows: readonly QueuedRecipient[], now: Date): Buffer[] {
  const sendIdField = Buffer.allocUnsafe(12);
  sendIdField.writeInt32BE(8, 0);
  sendIdField.writeBigInt64BE(BigInt(sendId), 4);
  const constant = copyFields((w) => w.raw(sendIdField).uuidText(workspaceId).timestamptz(now.getTime()));
  const w = new CopyBinary({ pieceBytes: 256 * 1024 });
  for (const r of rows) {
    const contactId = r.contactId.toLowerCase();
    w.row(RECIPIENT_COLUMNS.length).raw(constant).uuidText(contactId).text(r.email).text(`${sendId}.${contactId}`)
      .text(r.verdict === 'send' ? 'queued' : 'blocked').text(r.verdict).text(r.basis).jsonb(JSON.stringify(r.reasons ?? []));
  }
  return w.finish();
}

/**
 * Writes outbox rows of a send (one COPY in binary format, inside the caller's transaction); returns how many are
 * queued and blocked. Binary spares the server the jsonb parse of a whole page and the casts of
 * jsonb_to_recordset. The table's foreign keys are checked once per COPY, not per row (migration 0331): backend
 * CPU of the insert 16 µs a row against 31-36 µs with row-level checks and 9 µs with none.
 */
export async function copyRecipients(db: Kysely<Database>, kind: DatabaseKind, workspaceId: string, sendId: number, rows: readonly QueuedRecipient[], now: Date): Promise<{ queued: number; blocked: number }> {
  if (rows.length === 0) return { queued: 0, blocked: 0 };
  await copyBinaryRows(db, kind, 'send_recipients', RECIPIENT_COLUMNS, encodeRecipients(workspaceId, sendId, rows, now));
  let queued = 0;
  for (const r of rows) if (r.verdict === 'send') queued += 1;
  return { queued, blocked: rows.length - queued };
}

export async function setSendCounts(db: Kysely<Database>, sendId: number, counts: { queued: number; blocked: number }): Promise<void> {
  await db.updateTable('sends').set(counts).where('id', '=', sendId).execute();
}

/** All outbox rows of a send at once, and its counts (fixtures, benches). `kind` defaults to the handle's engine. */
export async function insertRecipients(db: Kysely<Database>, workspaceId: string, sendId: number, rows: QueuedRecipient[], now: Date, kind: DatabaseKind = databaseKind(db)): Promise<void> {
  await setSendCounts(db, sendId, await copyRecipients(db, kind, workspaceId, sendId, rows, now));
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
    .select(['contact_id', 'email', 'state', 'verdict', 'basis', 'reasons', 'recheck_verdict', 'recheck_reasons', 'attempts', 'last_reply', 'last_reply_at', 'blocked_at', 'next_attempt_at', 'lease_until', 'sent_at'])
    .where('workspace_id', '=', workspaceId).where('send_id', '=', sendId).where('contact_id', '=', contactId).executeTakeFirst();
}

/** When the send was last paused (its audit entry), for "why" of a recipient waiting behind the pause. */
export async function findPausedAt(db: Kysely<Database>, workspaceId: string, campaignId: string, sendId: number): Promise<Date | null> {
  const r = await db.selectFrom('audit_log').select('at')
    .where('workspace_id', '=', workspaceId).where('action', '=', 'campaign.send_pause').where('target_id', '=', campaignId)
    .where(sql<boolean>`details->>'sendId' = ${String(sendId)}`)
    .orderBy('id', 'desc').limit(1).executeTakeFirst();
  return r ? new Date(r.at) : null;
}

/** One thing that came back about a recipient's message of a send: a returned mail's action, or a link's unsubscribe. */
export type AfterSendingRow = { at: Date; action: string; effect: string; reason: string; status: string; diagnostic: string; source: string };

/**
 * What happened after sending to one recipient of a send, oldest first: the bounce intake's actions on this send
 * (matched by VERP address or Message-ID: bounces, delay notices, complaints, opt-outs by mail) and unsubscribes
 * through the mail's own links (the link's token names the send; `returnedMailId` marks those intake wrote).
 */
export async function findAfterSending(db: Kysely<Database>, workspaceId: string, sendId: number, contactId: string): Promise<AfterSendingRow[]> {
  const r = await sql<AfterSendingRow>`
    select a.at, a.action, a.effect, a.reason, a.status, a.diagnostic, m.source
      from bounce_actions a join returned_mail m on m.id = a.returned_mail_id
     where a.workspace_id = ${workspaceId} and a.send_id = ${sendId} and a.contact_id = ${contactId}
    union all
    select e.at, 'unsubscribe', 'unsubscribed', '', '', '', coalesce(e.details->>'method', 'link')
      from activity_events e
     where e.workspace_id = ${workspaceId} and e.contact_id = ${contactId} and e.type = 'unsubscribe'
       and e.details->>'sendId' = ${String(sendId)} and e.details->>'returnedMailId' is null
     order by 1, 2`.execute(db);
  return r.rows.map((x) => ({ ...x, at: new Date(x.at) }));
}

/** Per send of the workspace, how many recipients each kind of returned mail or unsubscribe was about (distinct contacts). */
export async function countAfterSending(db: Kysely<Database>, workspaceId: string, sendId: number): Promise<Record<string, number>> {
  const r = await sql<{ action: string; n: number }>`
    select action, count(distinct contact_id)::int as n from (
      -- the intake records a delay notice as action 'none' with its reason ('expired' most often); a delivery
      -- report, an automatic reply and another feedback type have 'delivered', 'vacation', 'feedback' (after-sending.ts)
      select case when a.action = 'none' and a.reason not in ('delivered', 'vacation', 'feedback') then 'delayed' else a.action end as action,
             a.contact_id
        from bounce_actions a where a.workspace_id = ${workspaceId} and a.send_id = ${sendId} and a.contact_id is not null
      union all
      -- by the send named in the event (index activity_events_unsubscribe_send, migration 0510), in the workspace
      select 'unsubscribe', e.contact_id from activity_events e
       where e.workspace_id = ${workspaceId} and e.type = 'unsubscribe' and e.details->>'sendId' = ${String(sendId)} and e.details->>'returnedMailId' is null
    ) x group by action`.execute(db);
  return Object.fromEntries(r.rows.map((x) => [x.action, Number(x.n)]));
}
