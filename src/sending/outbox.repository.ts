/**
 * SQL of the outbox (`send_recipients`). Every state change after the claim is fenced by `claimed_by`, which holds
 * a token unique to one claim (worker id and batch number): an attempt whose lease ran out and whose row was
 * claimed again, even by the same worker, can no longer mark anything. At most one attempt owns a row.
 * Batches travel as one jsonb parameter, which PGlite and pg pass the same way.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import { INTERRUPTED_REPLY } from './retry-policy.js';

/**
 * Rows of a batch by primary key: `r.id = any(…)` over the ids of the jsonb parameter. Joined on `id` alone,
 * the planner estimated the rows in state `sending` from statistics taken when the send was queued (a few
 * hundred) and hashed every `sending` row of the send through the partial index full of dead entries: 1.7 ms
 * of server CPU to mark 8 messages sent, over half the whole database cost of a message.
 */
const byIds = (json: string): RawBuilder<unknown> => sql`r.id = any(array(select (e->>'id')::bigint from jsonb_array_elements(${json}::jsonb) e))`;
/**
 * `state = 'sending'` written so that it cannot pick the partial index `send_recipients_leased` (see `byIds`);
 * it is checked on the rows the primary key found.
 */
const isSending = sql`r.state || '' = 'sending'`;

export type ClaimedRecipient = {
  id: number;
  send_id: number;
  workspace_id: string;
  contact_id: string;
  email: string;
  idempotency_key: string;
  attempts: number;
};

/** The sends whose recipients may be claimed now, oldest first. */
export async function listSendingSends(db: Kysely<Database>): Promise<number[]> {
  const r = await sql<{ id: number }>`select id from sends where status = 'sending' order by id`.execute(db);
  return r.rows.map((x) => Number(x.id));
}

/**
 * Claims up to `limit` due recipients of one running send under the token `claim`, in one statement, in id order
 * after `after` (the last id this worker claimed of that send; 0 for its start). Rows below it (retries, rows put
 * back) are reached by a claim from 0, which the worker makes when one from its cursor comes back short.
 * The walk uses the partial index on (send_id, id) of queued rows, so it never reads rows already sent: with one
 * claim over all sends, the planner read the primary key past every sent row (43 ms a claim at the end of
 * 100,000), or on statistics older than the send intersected two indexes and sorted every queued row (30 ms).
 * `send_id between x and x` and the order by (send_id, id) are on purpose: with `send_id = x` the send_id column
 * drops out of the order, the primary key serves `order by id` as well, and on statistics taken while the send was
 * still queued the planner chose it and filtered every sent row (71 ms at the end of 60,000, growing with the table).
 * On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several worker processes claim side by side without waiting on
 * each other; PGlite has one connection, so it never meets a lock.
 */
export async function claimRecipients(db: Kysely<Database>, options: { claim: string; sendId: number; limit: number; leaseMs: number; after?: number }): Promise<ClaimedRecipient[]> {
  const r = await sql<ClaimedRecipient>`
    update send_recipients r
       set state = 'sending', claimed_by = ${options.claim},
           lease_until = now() + make_interval(secs => ${options.leaseMs / 1000}), attempts = r.attempts + 1
     where r.id in (
       select q.id from send_recipients q
        where q.send_id between ${options.sendId} and ${options.sendId} and q.state = 'queued' and q.id > ${options.after ?? 0}
          and q.next_attempt_at <= now()
          and exists (select 1 from sends s where s.id = ${options.sendId} and s.status = 'sending')
        order by q.send_id, q.id
        limit ${options.limit}
        for update of q skip locked)
    returning r.id, r.send_id, r.workspace_id, r.contact_id, r.email, r.idempotency_key, r.attempts`.execute(db);
  return r.rows.map((x) => ({ ...x, id: Number(x.id), send_id: Number(x.send_id) }));
}

/**
 * Refreshes the outbox's statistics once a send is queued: until autovacuum gets to it (a minute or more, never
 * while the send is a small share of a big table) the planner would see none of its queued rows.
 */
export async function analyzeOutbox(db: Kysely<Database>): Promise<void> {
  await sql`analyze send_recipients`.execute(db);
}

/**
 * Puts back rows whose worker died (lease expired while `sending`). Their final dot was not written, or was
 * written without its COMMIT: the worker first marks `sent` the rows named by the send journals of dead workers
 * of its host (`markJournaled`, send-worker.ts), so that what is left here was not finished, but for a worker of
 * another host, whose journal no worker here can read. The reply says so, so that "why" does not tell an older
 * reply as the last attempt's.
 */
export async function requeueExpired(db: Kysely<Database>): Promise<number> {
  const r = await sql`
    update send_recipients set state = 'queued', claimed_by = null, lease_until = null, last_reply = ${INTERRUPTED_REPLY}, last_reply_at = now()
     where state = 'sending' and lease_until < now()`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Marks `sent` the rows a dead worker's send journal names (their final dot was written, their COMMIT maybe not):
 * only rows still `sending` under the claim the journal gives, so a row since put back, claimed again or given
 * another outcome is left alone. `at`: when the journal was last written (the dots were no later). How many.
 */
export async function markJournaled(db: Kysely<Database>, rows: { id: number; claim: string }[], at: Date): Promise<number> {
  if (rows.length === 0) return 0;
  const json = JSON.stringify(rows);
  const r = await sql`
    update send_recipients r set state = 'sent', sent_at = ${at}, lease_until = null
      from jsonb_to_recordset(${json}::jsonb) as x(id bigint, claim text)
     where ${byIds(json)} and r.id = x.id and r.claimed_by = x.claim and ${isSending}`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Names this database for the send journals (send-journal.ts), which may share a data directory with another
 * database's: its name, the schema of the outbox, and when its first migration ran.
 */
export async function outboxFingerprint(db: Kysely<Database>): Promise<string> {
  const r = await sql<{ d: string; s: string; m: string | null }>`
    select current_database() as d, current_schema() as s,
           (select min(timestamp) from kysely_migration) as m`.execute(db);
  const row = r.rows[0];
  return `${row.d}/${row.s}/${row.m ?? ''}`;
}

/** The verdict taken just before sending, stored with the row's next state change. */
export type Recheck = { id: number; verdict: string; reasons: unknown[] };

/** Ends the rows the verdict just before sending blocks (state `blocked`, with that verdict and when); ids still owned. */
export async function recordBlocked(db: Kysely<Database>, claim: string, items: Recheck[]): Promise<Set<number>> {
  if (items.length === 0) return new Set();
  const json = JSON.stringify(items);
  const r = await sql<{ id: number }>`
    update send_recipients r
       set recheck_verdict = x.verdict, recheck_reasons = x.reasons, state = 'blocked', lease_until = null, blocked_at = now()
      from jsonb_to_recordset(${json}::jsonb) as x(id bigint, verdict text, reasons jsonb)
     where ${byIds(json)} and r.id = x.id and r.claimed_by = ${claim} and ${isSending}
    returning r.id`.execute(db);
  return new Set(r.rows.map((x) => Number(x.id)));
}

/** Extends the lease of a claimed batch just before it is sent (it may have waited behind another); owned ids. */
export async function renewLease(db: Kysely<Database>, claim: string, leaseMs: number): Promise<Set<number>> {
  const r = await sql<{ id: number }>`
    update send_recipients set lease_until = now() + make_interval(secs => ${leaseMs / 1000})
     where claimed_by = ${claim} and state = 'sending'
    returning id`.execute(db);
  return new Set(r.rows.map((x) => Number(x.id)));
}

/**
 * Marks `sent` the rows whose claim is still the one given, before their final dot is let go, with the verdict that
 * let them go (one write where a separate one for the verdict cost 37 µs of server time a message); those ids.
 * `synchronousCommit: false` (PostgreSQL, inside the caller's transaction) is set by an init-plan of the same
 * statement rather than a separate SET LOCAL, which would cost one more round trip per group of messages.
 */
export async function markSent(db: Kysely<Database>, items: SentMark[], options: { synchronousCommit?: boolean } = {}): Promise<Set<number>> {
  if (items.length === 0) return new Set();
  const r = await markSentQuery(items, options).execute(db);
  return new Set(r.rows.map((x) => Number(x.id)));
}

export type SentMark = { id: number; claim: string; verdict: string; reasons: unknown[] };

/**
 * `markSent`'s statement, for a caller that runs it on a pg client of its own (the send worker's group commit
 * on PostgreSQL, which writes its COMMIT itself): compile it with the handle, read `id` from the rows returned.
 */
export function markSentQuery(items: SentMark[], options: { synchronousCommit?: boolean } = {}): RawBuilder<{ id: number }> {
  const sync = options.synchronousCommit === false ? sql`and (select set_config('synchronous_commit', 'off', true)) is not null` : sql``;
  const json = JSON.stringify(items);
  return sql<{ id: number }>`
    update send_recipients r set state = 'sent', sent_at = now(), lease_until = null, recheck_verdict = x.verdict, recheck_reasons = x.reasons
      from jsonb_to_recordset(${json}::jsonb) as x(id bigint, claim text, verdict text, reasons jsonb)
     where ${byIds(json)} and r.id = x.id and r.claimed_by = x.claim and ${isSending} ${sync}
    returning r.id`;
}

/**
 * Puts rows just marked `sent` back to `sending` with their lease over: a message whose connection was lost while
 * it waited for its dot. Plain SQL text (the ids are the outbox's own integers), so that the send worker can write
 * it together with its COMMIT in one simple-protocol message.
 */
export function unmarkSentSql(ids: number[]): string {
  return `update send_recipients set state = 'sending', sent_at = null, lease_until = now() where id in (${ids.map((id) => String(Math.trunc(Number(id)))).join(',')}) and state = 'sent'`;
}

/** `recheck`: the verdict taken just before sending, when the row got that far (stored with the outcome). */
export type Outcome = { recheck?: { verdict: string; reasons: unknown[] } } & (
  | { id: number; kind: 'retry' | 'defer'; delayMs: number; reply: string }
  | { id: number; kind: 'retry_exhausted' | 'bounced' | 'cancelled'; reply: string }
  | { id: number; kind: 'accepted'; reply: string });

/**
 * Records what the SMTP server said, and when (`last_reply_at`). `retry` puts the row back with a due time (also
 * used for rows held back by pacing); the rest are final. Applies to rows of this claim whether or not `sent` was already committed:
 * a server may refuse the message after its dot.
 */
export async function recordOutcomes(db: Kysely<Database>, claim: string, items: Outcome[]): Promise<void> {
  if (items.length === 0) return;
  // `defer` (held back by pacing) is a retry that was never attempted: it gives its attempt back.
  const rows = JSON.stringify(items.map((o) => ({ id: o.id, kind: o.kind === 'defer' ? 'retry' : o.kind, refund: o.kind === 'defer' ? 1 : 0, reply: o.reply, delay: 'delayMs' in o ? o.delayMs / 1000 : 0, verdict: o.recheck?.verdict ?? null, reasons: o.recheck?.reasons ?? null })));
  await sql`
    update send_recipients r
       set state = case x.kind when 'retry' then 'queued' when 'accepted' then r.state else x.kind end,
           next_attempt_at = case when x.kind = 'retry' then now() + make_interval(secs => x.delay) else r.next_attempt_at end,
           sent_at = case when x.kind in ('retry', 'bounced', 'retry_exhausted', 'cancelled') then null else r.sent_at end,
           claimed_by = case when x.kind = 'retry' then null else r.claimed_by end,
           lease_until = null,
           last_reply = x.reply, last_reply_at = now(),
           attempts = r.attempts - x.refund,
           recheck_verdict = coalesce(x.verdict, r.recheck_verdict),
           recheck_reasons = coalesce(x.reasons, r.recheck_reasons)
      from jsonb_to_recordset(${rows}::jsonb) as x(id bigint, kind text, refund int, reply text, delay float8, verdict text, reasons jsonb)
     where ${byIds(rows)} and r.id = x.id and r.claimed_by = ${claim}`.execute(db);
}

/**
 * How many workers whose id starts with `prefix` (`host:`; ids are `host:pid`) hold live claims: the workers
 * busy on one machine, so that each can size its render threads to its share of the CPUs.
 */
export async function countHostWorkers(db: Kysely<Database>, prefix: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(distinct split_part(claimed_by, '/', 1))::int as n from send_recipients
     where state = 'sending' and lease_until > now() and starts_with(claimed_by, ${prefix})`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * Marks sends with nothing left to do as done, and their campaigns as sent; returns how many finished. One test
 * per state, so that each can use its partial index (`state in (…)` walked every row of the send: 13 ms a call).
 */
export async function finishSends(db: Kysely<Database>): Promise<number> {
  const r = await sql<{ campaign_id: string }>`
    update sends s set status = 'done', finished_at = now()
     where s.status = 'sending'
       and not exists (select 1 from send_recipients r where r.send_id = s.id and r.state = 'queued')
       and not exists (select 1 from send_recipients r where r.send_id = s.id and r.state = 'sending')
    returning s.campaign_id`.execute(db);
  const ids = r.rows.map((x) => x.campaign_id);
  if (ids.length > 0) {
    await sql`update campaigns set status = 'sent', updated_at = now()
               where status = 'sending' and id in (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::uuid)`.execute(db);
  }
  return ids.length;
}

/** A bounce seen during the SMTP transaction itself (not a returned DSN). */
export async function insertBounce(db: Kysely<Database>, b: { workspaceId: string; contactId: string; type: 'hard' | 'soft'; at: Date; status: string | null; diagnostic: string; details: Record<string, unknown> }): Promise<void> {
  await db.insertInto('bounces').values({
    workspace_id: b.workspaceId, contact_id: b.contactId, type: b.type, at: b.at, status: b.status, diagnostic: b.diagnostic, details: JSON.stringify(b.details),
  }).execute();
}
