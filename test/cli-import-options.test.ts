// `listwarden import` with its declaration incomplete or wrong, as a user types it: the answer names the options
// (--collected-at, --source), one line each, and nothing is imported. A child process on PGlite (a data
// directory) and on PostgreSQL (a fresh database) when TEST_DATABASE_URL is set.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createDatabase } from '../src/db/database.js';
import { runCli } from './support/cli.js';
import { sql } from 'kysely';
import { createScratchPostgresDatabase, testDatabaseKinds } from './support/db.js';

const work = mkdtempSync(join(tmpdir(), 'lw-import-options-'));
after(() => rmSync(work, { recursive: true, force: true }));
const file = join(work, 'contacts.csv');
writeFileSync(file, 'email,country\nanna@example.fr,FR\n');

type Target = { env: Record<string, string | undefined>; args: string[]; contacts: () => Promise<number>; cleanup: () => Promise<void> };

const listwarden = (target: Target, args: string[]) => runCli(['import', ...args, ...target.args], target.env);

for (const kind of testDatabaseKinds()) {
  describe(`listwarden import options [${kind}]`, () => {
    let target: Target;
    before(async () => {
      if (kind === 'pglite') {
        const dataDir = mkdtempSync(join(work, 'pglite-'));
        target = {
          env: { DATABASE_URL: undefined }, args: ['--data-dir', dataDir],
          contacts: async () => {
            const db = await createDatabase({ dataDir });
            try { return Number((await sql<{ n: number }>`select count(*)::int as n from contacts`.execute(db)).rows[0].n); } finally { await db.destroy(); }
          },
          cleanup: async () => undefined,
        };
      } else {
        const scratch = await createScratchPostgresDatabase('lw_import_opts');
        target = {
          env: { DATABASE_URL: scratch.url }, args: ['--data-dir', mkdtempSync(join(work, 'pgdata-'))],
          contacts: async () => {
            const client = new pg.Client({ connectionString: scratch.url });
            await client.connect();
            try { return Number((await client.query('select count(*)::int as n from contacts')).rows[0].n); } finally { await client.end(); }
          },
          cleanup: () => scratch.drop(),
        };
      }
    });
    after(async () => { await target.cleanup(); });

    it('names each missing option once, in the words typed', async () => {
      const run = await listwarden(target, [file, '--list', 'Newsletter']);
      assert.equal(run.code, 2);
      assert.equal(run.stderr.split('\n').filter((l) => l.includes('listwarden import:')).length, 1, run.stderr);
      assert.match(run.stderr, /listwarden import: the declaration is not complete:\n/);
      for (const option of ['--source', '--collected-at', '--consent']) assert.match(run.stderr, new RegExp(`^  ${option} is required$`, 'm'), run.stderr);
      assert.doesNotMatch(run.stderr, /declaration\.|received undefined/);
      assert.equal(await target.contacts(), 0);
    });

    it('says which value of an option is not known, with the ones that are', async () => {
      const run = await listwarden(target, [file, '--list', 'Newsletter', '--source', 'bought', '--collected-at', '2026-01-20', '--consent', 'double_opt_in']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^listwarden import: --source bought: not one of web_form, social_form, checkout, .*list_broker, .*manual\n$/);
      assert.equal(await target.contacts(), 0);
    });
  });
}
