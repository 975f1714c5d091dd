// 0001 wrote the birth-date check inside a tagged template, which dropped the backslashes: the check became
// '^d{4}-d{2}-d{2}$' and refused every real date. Replace it with the intended pattern.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table contacts drop constraint if exists contacts_birth_date_check`.execute(db);
  await sql.raw(String.raw`alter table contacts add constraint contacts_birth_date_check
    check (birth_date ~ '^\d{4}-\d{2}-\d{2}$')`).execute(db);
}
