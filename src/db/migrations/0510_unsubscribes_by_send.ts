// The unsubscribes through a send's own links, found by the send: a campaign's progress counts them. Without it the
// count probed every recipient's activity (100,000 index lookups for a send of 100,000). Partial: only unsubscribe
// events, a small part of the activity, carry the cost of the index.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index activity_events_unsubscribe_send on activity_events ((details->>'sendId')) where type = 'unsubscribe'`.execute(db);
}
