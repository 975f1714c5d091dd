// The send workers sharing the rate limits (src/sending/shared-pacer.ts): one row per live worker with limits
// configured. A worker divides each limit by the live rows; a row whose heartbeat stopped expires (`expires_at`,
// set from the database clock) and is no longer counted. `joined_at` lets a newcomer wait until every other live
// worker has counted it (its `heartbeat_at` is later) before it sends anything.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table send_workers (
      worker_id text primary key,
      joined_at timestamptz not null,
      heartbeat_at timestamptz not null,
      expires_at timestamptz not null
    )
  `.execute(db);
}
