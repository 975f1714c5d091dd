/**
 * The `send_workers` table (migration 0330): each send worker with rate limits keeps a row alive with a heartbeat,
 * so that every worker can divide the limits by the live ones. Times come from the database clock only.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { LiveWorker } from './pacing.js';
import './send-workers.table.js';

/**
 * Registers the worker (again, when its row expired) and removes rows expired long ago. Its `joined_at` is read
 * from the clock in a statement after the row is committed, so any worker that counts as of a later moment sees it.
 */
export async function joinSendWorkers(db: Kysely<Database>, options: { workerId: string; ttlMs: number }): Promise<void> {
  const ttl = options.ttlMs / 1000;
  await sql`delete from send_workers where expires_at < now() - interval '1 hour'`.execute(db);
  await sql`
    insert into send_workers (worker_id, joined_at, heartbeat_at, expires_at)
    values (${options.workerId}, now(), now(), now() + make_interval(secs => ${ttl}))
    on conflict (worker_id) do update set joined_at = excluded.joined_at, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`.execute(db);
  await sql`update send_workers set joined_at = clock_timestamp() where worker_id = ${options.workerId}`.execute(db);
}

/**
 * The live workers, and `countedAt`: the start of the reading transaction (as text, to be handed back exactly),
 * which is no later than its snapshot, so every row committed before that moment is among them.
 */
export async function listLiveSendWorkers(db: Kysely<Database>): Promise<{ countedAt: string; live: LiveWorker[] }> {
  const r = await sql<{ counted_at: string; worker_id: string | null; joined_at: Date | null; heartbeat_at: Date | null }>`
    select now()::text as counted_at, w.worker_id, w.joined_at, w.heartbeat_at
      from (select now()) t left join send_workers w on w.expires_at > now()`.execute(db);
  const countedAt = r.rows[0].counted_at;
  const live = r.rows.filter((row) => row.worker_id !== null)
    .map((row) => ({ workerId: row.worker_id!, joinedAt: new Date(row.joined_at!).getTime(), heartbeatAt: new Date(row.heartbeat_at!).getTime() }));
  return { countedAt, live };
}

/**
 * Records that the worker now uses the count taken at `countedAt`, and keeps its row alive for `ttlMs` more.
 * False when its row is gone (expired and removed): the worker must join again.
 */
export async function beatSendWorker(db: Kysely<Database>, options: { workerId: string; countedAt: string; ttlMs: number }): Promise<boolean> {
  const r = await sql`
    update send_workers set heartbeat_at = ${options.countedAt}::timestamptz, expires_at = now() + make_interval(secs => ${options.ttlMs / 1000})
     where worker_id = ${options.workerId} and expires_at > now()`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** Removes the worker's row when it stops, so that the others take its share at their next refresh. */
export async function leaveSendWorkers(db: Kysely<Database>, workerId: string): Promise<void> {
  await sql`delete from send_workers where worker_id = ${workerId}`.execute(db);
}
