// The claim walks queued rows in (send_id, id) order; the first index put next_attempt_at between the two, so
// every claim sorted all queued rows of the send (40 ms a batch at 20,000 rows, growing with the send).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index send_recipients_queue on send_recipients (send_id, id) where state = 'queued';
    drop index send_recipients_ready;
  `.execute(db);
}
