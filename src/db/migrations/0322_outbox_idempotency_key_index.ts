// The idempotency key is `<send id>.<contact id>`, unique by (send_id, contact_id) already: its own unique index
// only cost one more index entry on every state change of every row (claim, sent mark), and bounce intake now
// finds a key through (send_id, contact_id).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table send_recipients drop constraint send_recipients_idempotency_key_key`.execute(db);
}
