// The claim walks queued rows in id order from a cursor (the last id the worker claimed), so it no longer reads
// past every row already sent: with (send_id, id) the planner preferred the primary key and filtered 99,000 sent
// rows to find 500 queued ones at the end of a 100,000-recipient send (43 ms a claim, growing with the send).
// (send_id, id) stays for the questions asked per send (is anything left queued?). A partial index on `queued`
// costs an entry only when a row enters that state, not on the claim or the sent mark.
// The idempotency key is `<send id>.<contact id>`, unique by (send_id, contact_id) already: its own unique index
// only cost one more index entry on every state change of every row.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index send_recipients_queued on send_recipients (id) where state = 'queued';
    alter table send_recipients drop constraint send_recipients_idempotency_key_key;
  `.execute(db);
}
