/**
 * Runs the ordered forward migrations in `./migrations/` (files `NNNN_name.ts`). Numbering keeps engineers
 * apart: core 0001–0099, imports 0100–0199, forms/public 0200–0299, campaigns/sending 0300–0399, bounces 0400–0499.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

const folder = new URL('./migrations/', import.meta.url);

/** Reads the migrations folder (`.ts` under tsx, `.js` once built); names sort by their number. */
class FolderProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = readdirSync(fileURLToPath(folder))
      .filter((f) => /^\d{4}_[\w-]+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('.test.'));
    const out: Record<string, Migration> = {};
    for (const file of files.sort()) {
      const name = file.replace(/\.(ts|js)$/, '');
      if (out[name]) continue;
      out[name] = (await import(new URL(file, folder).href)) as Migration;
    }
    return out;
  }
}

/** Migrates to the latest version. Never throws: the outcome, error included, is returned. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  // Kysely looks for its bookkeeping tables in any schema; name ours, so a database with several
  // Listwarden schemas (tests, benchmarks: one per search_path) keeps one set of tables each.
  let schema: string | undefined;
  try {
    schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s;
  } catch (error) {
    return { error };
  }
  const migrator = new Migrator({ db, provider: new FolderProvider(), allowUnorderedMigrations: true, migrationTableSchema: schema });
  return migrator.migrateToLatest();
}

/** Migrates or throws an error that names the failing migration. */
export async function migrateOrThrow(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await migrateToLatest(db);
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
