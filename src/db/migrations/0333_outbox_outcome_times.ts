// When an outbox row's last reply was written and when the recheck blocked it, so that "why" can say when the last
// attempt failed (or was held back) and when the engine stopped the message. Nullable without default: adding them
// rewrites no row, and rows written before them say no time.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table send_recipients add column last_reply_at timestamptz, add column blocked_at timestamptz`.execute(db);
}
