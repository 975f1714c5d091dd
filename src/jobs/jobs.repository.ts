/** SQL of the durable job queue. */
import { sql, type Kysely } from 'kysely';
import type { Database, JobsTable } from '../db/schema.js';
import type { Selectable } from 'kysely';

export type JobRow = Selectable<JobsTable>;

export async function insertJob(db: Kysely<Database>, job: { name: string; payload: unknown; runAt: Date; maxAttempts: number }): Promise<number> {
  const row = await db.insertInto('jobs').values({
    name: job.name, payload: JSON.stringify(job.payload ?? {}), run_at: job.runAt, max_attempts: job.maxAttempts,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Claims up to `limit` due jobs of the given names. `FOR UPDATE SKIP LOCKED` lets several workers claim
 * side by side on PostgreSQL; a `running` job whose lock expired (its worker died) is claimed again.
 */
export async function claimJobs(db: Kysely<Database>, options: { names: string[]; workerId: string; limit: number; now: Date; lockMs: number }): Promise<JobRow[]> {
  if (options.names.length === 0 || options.limit <= 0) return [];
  const lockedUntil = new Date(options.now.getTime() + options.lockMs);
  const result = await sql<JobRow>`
    update jobs set status = 'running', locked_by = ${options.workerId}, locked_until = ${lockedUntil},
      attempts = attempts + 1, updated_at = ${options.now}
    where id in (
      select id from jobs
      where name in (${sql.join(options.names)})
        and ((status in ('pending', 'failed') and run_at <= ${options.now})
          or (status = 'running' and locked_until < ${options.now}))
      order by run_at, id
      limit ${options.limit}
      for update skip locked)
    returning *`.execute(db);
  return result.rows;
}

export async function completeJob(db: Kysely<Database>, id: number, workerId: string, now: Date): Promise<void> {
  await db.updateTable('jobs').set({ status: 'done', locked_by: null, locked_until: null, updated_at: now, last_error: null })
    .where('id', '=', id).where('locked_by', '=', workerId).execute();
}

export async function failJob(db: Kysely<Database>, id: number, workerId: string, options: { error: string; retryAt: Date | null; now: Date }): Promise<void> {
  await db.updateTable('jobs').set({
    status: options.retryAt ? 'failed' : 'dead', run_at: options.retryAt ?? options.now, last_error: options.error.slice(0, 2000),
    locked_by: null, locked_until: null, updated_at: options.now,
  }).where('id', '=', id).where('locked_by', '=', workerId).execute();
}

export async function findJob(db: Kysely<Database>, id: number): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}
