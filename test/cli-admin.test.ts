// `listwarden admin create-user` run again for a member, as an owner who lost the first sign-in link does: a new
// link, and the role kept. A child process on PGlite (a data directory) and on PostgreSQL when TEST_DATABASE_URL
// is set; `serve` on a port already taken. And `listwarden bounces` without a sub-command, as a first-time user types it.
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { sql } from 'kysely';
import { createDatabase } from '../src/db/database.js';
import { runCli } from './support/cli.js';
import { createScratchPostgresDatabase, testDatabaseKinds } from './support/db.js';

const work = mkdtempSync(join(tmpdir(), 'lw-cli-admin-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Target = { env: Record<string, string | undefined>; args: string[]; role: (email: string) => Promise<string | undefined>; cleanup: () => Promise<void> };

const listwarden = (target: Target, args: string[]) => runCli([...args, ...target.args], target.env);

const roleQuery = (email: string) => `select m.role from workspace_members m join users u on u.id = m.user_id where u.email = '${email}'`;

for (const kind of testDatabaseKinds()) {
  describe(`listwarden admin [${kind}]`, () => {
    let target: Target;
    before(async () => {
      if (kind === 'pglite') {
        const dataDir = mkdtempSync(join(work, 'pglite-'));
        target = {
          env: { DATABASE_URL: undefined }, args: ['--data-dir', dataDir],
          role: async (email) => {
            const db = await createDatabase({ dataDir });
            try { return (await sql.raw<{ role: string }>(roleQuery(email)).execute(db)).rows[0]?.role; } finally { await db.destroy(); }
          },
          cleanup: async () => undefined,
        };
      } else {
        const scratch = await createScratchPostgresDatabase('lw_cli_admin');
        target = {
          env: { DATABASE_URL: scratch.url }, args: ['--data-dir', mkdtempSync(join(work, 'pgdata-'))],
          role: async (email) => {
            const client = new pg.Client({ connectionString: scratch.url });
            await client.connect();
            try { return (await client.query(roleQuery(email))).rows[0]?.role; } finally { await client.end(); }
          },
          cleanup: () => scratch.drop(),
        };
      }
      const migrated = await listwarden(target, ['migrate']);
      assert.equal(migrated.code, 0, migrated.stderr);
    });
    after(async () => { await target.cleanup(); });

    it('serve on a port already taken says so and what to do, exits 1, and leaves the database free', async () => {
      const taken = net.createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const port = (taken.address() as net.AddressInfo).port;
      try {
        const run = await listwarden(target, ['serve', '--port', String(port), '--no-worker']);
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, new RegExp(`^listwarden serve: the HTTP server cannot listen: port ${port} on 127\\.0\\.0\\.1 is already in use \\(another listwarden, or another program\\); stop it, or choose another port with --port N or LISTWARDEN_PORT$`, 'm'));
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
      const after = await listwarden(target, ['migrate']);
      assert.equal(after.code, 0, after.stderr);
    });

    it('a new sign-in link for the owner keeps them owner; a new member without --role is a viewer', async () => {
      assert.equal(await target.role('owner@localhost.localdomain'), 'owner');
      const again = await listwarden(target, ['admin', 'create-user', '--email', 'owner@localhost.localdomain']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^updated owner@localhost\.localdomain as owner of workspace default\nSign in once with: http:\/\/\S+\/sign-in\/lwl_\S+\n$/);
      assert.equal(await target.role('owner@localhost.localdomain'), 'owner');
      const fresh = await listwarden(target, ['admin', 'create-user', '--email', 'ada@example.com']);
      assert.match(fresh.stdout, /^created ada@example\.com as viewer/);
      const changed = await listwarden(target, ['admin', 'create-user', '--email', 'ada@example.com', '--role', 'editor']);
      assert.match(changed.stdout, /^updated ada@example\.com as editor/);
      assert.equal(await target.role('ada@example.com'), 'editor');
    });
  });
}

describe('listwarden bounces, without a sub-command', () => {
  it('explains each sub-command once, and where to go while the server holds the embedded database', async () => {
    const run = await listwarden({ env: {}, args: [], role: async () => undefined, cleanup: async () => undefined }, ['bounces']);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /^parse {3}reads returned mail/m);
    assert.match(run.stdout, /^ingest {2}records returned mail and acts on it/m);
    assert.match(run.stdout, /use POST \/api\/v1\/bounces instead/);
    assert.doesNotMatch(run.stdout, /\n\n\n/, 'no stray blank lines');
  });
});
