// The language of a campaign's fixed texts (footer labels) and of the public pages its links open: `en`, `fr` or
// `de`, the languages src/i18n has texts for. Every existing campaign keeps English, what it was sent in so far.
// A constant default is stored in the catalogue, so existing rows are not rewritten.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table campaigns add column language text not null default 'en'
      constraint campaigns_language_check check (language in ('en', 'fr', 'de'))
  `.execute(db);
}
