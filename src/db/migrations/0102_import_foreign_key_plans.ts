// The statement-level foreign key functions of 0101 probe parents by primary key (`id = any($1)`, `in (select id
// from old_rows)`). During an import the tables grow faster than autovacuum analyses them, and with stale
// statistics the planner took a sequential scan of contacts for 5,000 keys (73 ms per statement at 200k rows,
// growing with the table). Row-level keys always probed the index; these functions now do too.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter function fk_check_children() set enable_seqscan = off;
    alter function fk_cascade_delete() set enable_seqscan = off;
    alter function fk_parent_key_guard() set enable_seqscan = off;
  `.execute(db);
}
