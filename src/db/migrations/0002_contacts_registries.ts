// Contacts: addresses are unique per workspace whatever the case of the local part (providers ignore it in
// practice, and a second row would escape the first row's suppressions); do-not-call registries per contact.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    drop index contacts_workspace_email;
    create unique index contacts_workspace_email_ci on contacts (workspace_id, lower(email)) where email is not null;
    alter table contacts add column registries jsonb not null default '[]';
    create index suppressions_workspace on suppressions (workspace_id, at);
  `.execute(db);
}
