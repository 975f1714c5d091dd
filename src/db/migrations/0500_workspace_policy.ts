// The workspace's policy settings (RULES.md Part 4). b2b_cold_email (C-1): `forbidden`, the platform's ban on B2B
// email without consent (stricter than the law), or `jurisdictional`, the law of the contact's country decides.
// Every existing workspace keeps the strict default.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table workspaces add column b2b_cold_email text not null default 'forbidden'
      constraint workspaces_b2b_cold_email_check check (b2b_cold_email in ('forbidden', 'jurisdictional'))
  `.execute(db);
}
