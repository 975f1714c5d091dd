/**
 * SQL of bounce intake: returned mail, the actions taken, the workspace's soft-bounce threshold, and the
 * circuit breaker's figures and trips. Every read a workspace can reach filters on `workspace_id`.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import '../../sending/sending.table.js';
import './intake.table.js';
import type { IntakeOutcome } from './intake.table.js';

type Db = Kysely<Database>;

/** Inserts a returned message once: undefined when its identity is already stored (the same mail again). */
export async function insertReturnedMail(db: Db, row: { workspaceId: string | null; source: string; identity: string; kind: string; report: object; size: number; at: Date }): Promise<number | undefined> {
  const r = await db.insertInto('returned_mail').values({
    workspace_id: row.workspaceId, source: row.source, identity: row.identity, kind: row.kind, report: JSON.stringify(row.report),
    outcome: 'ignored', size: row.size, received_at: row.at,
  }).onConflict((oc) => oc.column('identity').doNothing()).returning('id').executeTakeFirst();
  return r ? Number(r.id) : undefined;
}

export async function finishReturnedMail(db: Db, id: number, v: { workspaceId: string | null; matches: unknown[]; outcome: IntakeOutcome }): Promise<void> {
  await db.updateTable('returned_mail').set({ workspace_id: v.workspaceId, matches: JSON.stringify(v.matches), outcome: v.outcome }).where('id', '=', id).execute();
}

/** Takes back a row this transaction just inserted (the mail turned out to be one already recorded). */
export async function deleteReturnedMail(db: Db, id: number): Promise<void> {
  await db.deleteFrom('returned_mail').where('id', '=', id).execute();
}

export async function findReturnedMailByIdentity(db: Db, identity: string) {
  return db.selectFrom('returned_mail').select(['id', 'workspace_id', 'kind', 'outcome', 'matches']).where('identity', '=', identity).executeTakeFirst();
}

export type SentRecipient = { sendId: number; workspaceId: string; campaignId: string; contactId: string; email: string };

const sentRecipient = (db: Db) => db.selectFrom('send_recipients as r').innerJoin('sends as s', 's.id', 'r.send_id')
  .select(['r.send_id', 'r.workspace_id', 's.campaign_id', 'r.contact_id', 'r.email']);

const toSent = (r: { send_id: number; workspace_id: string; campaign_id: string; contact_id: string; email: string } | undefined): SentRecipient | undefined =>
  r && { sendId: Number(r.send_id), workspaceId: r.workspace_id, campaignId: r.campaign_id, contactId: r.contact_id, email: r.email };

/** The outbox row a VERP address names (send id and contact id). */
export async function findSentByIds(db: Db, sendId: string, contactId: string): Promise<SentRecipient | undefined> {
  if (!/^\d{1,18}$/.test(sendId) || !/^[0-9a-f-]{36}$/i.test(contactId)) return undefined;
  return toSent(await sentRecipient(db).where('r.send_id', '=', Number(sendId)).where('r.contact_id', '=', contactId).executeTakeFirst());
}

/**
 * The outbox row whose Message-ID local part (its idempotency key, `<send id>.<contact id>`) is `key`, found
 * through the (send_id, contact_id) key it is made of: the key column has no index of its own.
 */
export async function findSentByIdempotencyKey(db: Db, key: string): Promise<SentRecipient | undefined> {
  const dot = key.indexOf('.');
  const [sendId, contactId] = [key.slice(0, dot), key.slice(dot + 1)];
  if (dot < 1 || !/^\d{1,18}$/.test(sendId) || !/^[0-9a-f-]{36}$/i.test(contactId)) return undefined;
  return toSent(await sentRecipient(db).where('r.send_id', '=', Number(sendId)).where('r.contact_id', '=', contactId.toLowerCase())
    .where('r.idempotency_key', '=', key).executeTakeFirst());
}

export async function insertBounceActions(db: Db, rows: { returnedMailId: number; workspaceId: string; sendId: number | null; contactId: string | null; address: string; action: string; effect: string; reason: string; status: string; diagnostic: string; at: Date }[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('bounce_actions').values(rows.map((r) => ({
    returned_mail_id: r.returnedMailId, workspace_id: r.workspaceId, send_id: r.sendId, contact_id: r.contactId, address: r.address,
    action: r.action, effect: r.effect, reason: r.reason, status: r.status, diagnostic: r.diagnostic.slice(0, 2000), at: r.at,
  }))).execute();
}

/** A delivery failure the engine reads (hard → blocked, soft → counted). */
export async function insertBounce(db: Db, b: { workspaceId: string; contactId: string; type: 'hard' | 'soft'; at: Date; status: string | null; diagnostic: string; details: Record<string, unknown> }): Promise<void> {
  await db.insertInto('bounces').values({
    workspace_id: b.workspaceId, contact_id: b.contactId, type: b.type, at: b.at, status: b.status, diagnostic: b.diagnostic.slice(0, 2000), details: JSON.stringify(b.details),
  }).execute();
}

export async function softBounceTimes(db: Db, workspaceId: string, contactId: string, since: Date): Promise<Date[]> {
  const rows = await db.selectFrom('bounces').select('at').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId)
    .where('type', '=', 'soft').where('at', '>', since).execute();
  return rows.map((r) => r.at);
}

export async function hasActiveSuppression(db: Db, workspaceId: string, contactId: string, reason: 'hard_bounce' | 'complaint'): Promise<boolean> {
  const r = await db.selectFrom('suppressions').select('id').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId)
    .where('reason', '=', reason).where('lifted_at', 'is', null).executeTakeFirst();
  return r !== undefined;
}

export async function findBounceSettings(db: Db, workspaceId: string): Promise<{ count: number; days: number } | undefined> {
  const r = await db.selectFrom('bounce_settings').select(['soft_count', 'soft_days']).where('workspace_id', '=', workspaceId).executeTakeFirst();
  return r && { count: r.soft_count, days: r.soft_days };
}

export async function saveBounceSettings(db: Db, workspaceId: string, v: { count: number; days: number }, now: Date): Promise<void> {
  await db.insertInto('bounce_settings').values({ workspace_id: workspaceId, soft_count: v.count, soft_days: v.days, updated_at: now })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ soft_count: v.count, soft_days: v.days, updated_at: now })).execute();
}

export type BreakerCounts = { workspaceId: string; campaignId: string; status: string; tripped: boolean; hardBounces: number; complaints: number };

/** A send's state and its distinct hard-bounced and complaining recipients (index on bounce_actions (send_id, action)). */
export async function breakerCounts(db: Db, sendId: number): Promise<BreakerCounts | undefined> {
  const r = await sql<{ workspace_id: string; campaign_id: string; status: string; tripped: boolean; hard: number; complaints: number }>`
    select s.workspace_id, s.campaign_id, s.status,
           exists (select 1 from circuit_breaker_trips t where t.send_id = s.id) as tripped,
           (select count(distinct a.contact_id) from bounce_actions a where a.send_id = s.id and a.action = 'suppress_hard')::int as hard,
           (select count(distinct a.contact_id) from bounce_actions a where a.send_id = s.id and a.action = 'complaint')::int as complaints
      from sends s where s.id = ${sendId}`.execute(db);
  const x = r.rows[0];
  return x && { workspaceId: x.workspace_id, campaignId: x.campaign_id, status: x.status, tripped: x.tripped, hardBounces: Number(x.hard), complaints: Number(x.complaints) };
}

/**
 * How many recipients of a send count as sent: the server took the message or refused it. A refusal at RCPT
 * counts as soon as its action is recorded (its row is still `sending` then), so those are added from the actions.
 */
export async function sentCount(db: Db, sendId: number): Promise<number> {
  const r = await sql<{ n: number }>`
    select ((select count(*) from send_recipients r where r.send_id = ${sendId} and r.state in ('sent', 'bounced'))
          + (select count(distinct a.contact_id) from bounce_actions a
               join send_recipients r on r.send_id = a.send_id and r.contact_id = a.contact_id
              where a.send_id = ${sendId} and r.state not in ('sent', 'bounced')))::int as n`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export async function insertTrip(db: Db, t: { workspaceId: string; sendId: number; campaignId: string; reason: 'hard_bounce_rate' | 'complaint_rate'; rate: number; threshold: number; sends: number; hardBounces: number; complaints: number; at: Date }): Promise<boolean> {
  const r = await db.insertInto('circuit_breaker_trips').values({
    workspace_id: t.workspaceId, send_id: t.sendId, campaign_id: t.campaignId, reason: t.reason, rate: t.rate, threshold: t.threshold,
    sends: t.sends, hard_bounces: t.hardBounces, complaints: t.complaints, tripped_at: t.at,
  }).onConflict((oc) => oc.column('send_id').doNothing()).returning('id').executeTakeFirst();
  return r !== undefined;
}

const tripColumns = ['send_id', 'campaign_id', 'reason', 'rate', 'threshold', 'sends', 'hard_bounces', 'complaints', 'tripped_at', 'resumed_at', 'resumed_by'] as const;

export async function listTrips(db: Db, workspaceId: string, limit: number) {
  return db.selectFrom('circuit_breaker_trips').select([...tripColumns]).where('workspace_id', '=', workspaceId).orderBy('id', 'desc').limit(limit).execute();
}

export async function findTrip(db: Db, workspaceId: string, sendId: number) {
  return db.selectFrom('circuit_breaker_trips').select([...tripColumns]).where('workspace_id', '=', workspaceId).where('send_id', '=', sendId).executeTakeFirst();
}

export async function markTripResumed(db: Db, workspaceId: string, sendId: number, by: string, at: Date): Promise<boolean> {
  const r = await db.updateTable('circuit_breaker_trips').set({ resumed_at: at, resumed_by: by })
    .where('workspace_id', '=', workspaceId).where('send_id', '=', sendId).where('resumed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listReturnedMail(db: Db, workspaceId: string, o: { outcome?: IntakeOutcome; before?: number; limit: number }) {
  let q = db.selectFrom('returned_mail').select(['id', 'source', 'kind', 'outcome', 'report', 'matches', 'received_at']).where('workspace_id', '=', workspaceId);
  if (o.outcome) q = q.where('outcome', '=', o.outcome);
  if (o.before) q = q.where('id', '<', o.before);
  return q.orderBy('id', 'desc').limit(o.limit).execute();
}

export async function listActions(db: Db, workspaceId: string, o: { action?: string; sendId?: number; before?: number; limit: number }) {
  let q = db.selectFrom('bounce_actions')
    .select(['id', 'returned_mail_id', 'send_id', 'contact_id', 'address', 'action', 'effect', 'reason', 'status', 'diagnostic', 'at'])
    .where('workspace_id', '=', workspaceId);
  if (o.action) q = q.where('action', '=', o.action);
  if (o.sendId) q = q.where('send_id', '=', o.sendId);
  if (o.before) q = q.where('id', '<', o.before);
  return q.orderBy('id', 'desc').limit(o.limit).execute();
}

/** Return-path domains of every workspace's sender profile (the inbound server accepts mail for these). */
export async function returnPathDomains(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('sender_profiles').select('return_path_domain').execute();
  return [...new Set(rows.map((r) => r.return_path_domain.toLowerCase()).filter(Boolean))];
}

/**
 * Erasure: the returned mail about a contact no longer names them. Their actions' address and the address in
 * the reports and matches of the mails those actions came from become `[erased]`; the rows stay, so a send's
 * bounce and complaint rates (the circuit breaker's figures) do not change. Run before the contact is deleted.
 */
export async function redactReturnedMailOf(db: Db, o: { workspaceId: string; contactId: string; email: string }): Promise<void> {
  // the address as a case-insensitive regular expression, every special character escaped
  const pattern = o.email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mine = (eb: ExpressionBuilder<Database, 'bounce_actions'>) => eb.or([eb('contact_id', '=', o.contactId), eb(sql`lower(address)`, '=', o.email.toLowerCase())]);
  const mails = await db.selectFrom('bounce_actions').select('returned_mail_id').distinct().where('workspace_id', '=', o.workspaceId).where(mine).execute();
  await db.updateTable('bounce_actions').set({ address: '[erased]', diagnostic: sql`regexp_replace(diagnostic, ${pattern}, '[erased]', 'gi')` })
    .where('workspace_id', '=', o.workspaceId).where(mine).execute();
  if (mails.length === 0) return;
  await db.updateTable('returned_mail').set({
    report: sql`regexp_replace(report::text, ${pattern}, '[erased]', 'gi')::jsonb`,
    matches: sql`regexp_replace(matches::text, ${pattern}, '[erased]', 'gi')::jsonb`,
  }).where('workspace_id', '=', o.workspaceId).where('id', 'in', mails.map((m) => m.returned_mail_id)).execute();
}
