/**
 * `listwarden bounces ingest` as a user runs it (a child process): .eml files, a directory and an mbox, one JSON
 * line per message with its outcome; the same files again act once; a missing file gets its line and exit 1.
 * On PGlite (a data directory) and on PostgreSQL (a fresh database) when TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createDatabase, type Db } from '../src/db/database.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';
import { arf, dsn, secret, sentCampaign } from './bounces-intake-support.js';
import { createScratchPostgresDatabase, testDatabaseKinds } from './support/db.js';
import { startSmtpSink } from './support/smtp-sink.js';

const ROOT = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'lw-bounces-ingest-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Target = { env: Record<string, string | undefined>; args: string[]; open: () => Promise<Db>; cleanup: () => Promise<void> };

function pgliteTarget(): Target {
  const dataDir = mkdtempSync(join(work, 'pglite-'));
  // PGlite has one process at a time on its directory: the test opens it only between CLI runs.
  return { env: { DATABASE_URL: undefined }, args: ['--data-dir', dataDir], open: () => createDatabase({ dataDir }), cleanup: async () => undefined };
}

async function postgresTarget(): Promise<Target> {
  const scratch = await createScratchPostgresDatabase('lw_bounces_cli');
  return {
    env: { DATABASE_URL: scratch.url }, args: ['--data-dir', mkdtempSync(join(work, 'pgdata-'))],
    open: async () => new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: scratch.url, max: 2 }) }) }) as Db,
    cleanup: scratch.drop,
  };
}

function ingest(target: Target, paths: string[]) {
  const script = "import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })";
  const env: Record<string, string | undefined> = { ...process.env, LISTWARDEN_SECRET_KEY: secret, LISTWARDEN_LOG_LEVEL: 'silent', ...target.env };
  for (const [k, v] of Object.entries(target.env)) if (v === undefined) delete env[k];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, 'bounces', 'ingest', ...paths, ...target.args], { cwd: ROOT, env: env as NodeJS.ProcessEnv, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, lines: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>) };
}

const kinds = testDatabaseKinds();

for (const kind of kinds) {
  describe(`listwarden bounces ingest [${kind}]`, () => {
    let target: Target;
    let ids: Record<string, string> = {};
    const dir = join(work, `box-${kind}`);

    before(async () => {
      target = kind === 'pglite' ? pgliteTarget() : await postgresTarget();
      const db = await target.open();
      const sink = await startSmtpSink();
      try {
        await migrateOrThrow(db);
        const emails = ['hard@example.net', 'policy@example.net', 'angry@example.net', 'full@example.net'];
        const camp = await sentCampaign(db, sink, emails.map((email) => ({ email })));
        ids = Object.fromEntries(emails.map((e) => [e, camp.sent.get(e)!.contactId]));
        const m = (e: string) => camp.sent.get(e)!;
        mkdirSync(join(dir, 'nested'), { recursive: true });
        writeFileSync(join(dir, 'a-hard.eml'), dsn({ to: m('hard@example.net').returnPath, recipient: 'hard@example.net', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalHeaders: m('hard@example.net').headers }));
        writeFileSync(join(dir, 'nested', 'b-policy.eml'), dsn({ to: m('policy@example.net').returnPath, recipient: 'policy@example.net', status: '5.7.1', diagnostic: '554 5.7.1 Message rejected as spam', originalHeaders: m('policy@example.net').headers }));
        writeFileSync(join(dir, 'notes.txt'), 'not mail, skipped');
        const mbox = [
          `From fbl@isp.example.org Sat Nov 21 10:00:00 2026\n${arf({ to: 'fbl@shop.example', recipient: 'angry@example.net', feedbackType: 'abuse', originalHeaders: m('angry@example.net').headers })}`,
          `From MAILER-DAEMON Sat Nov 21 10:05:00 2026\n${dsn({ to: 'postmaster@shop.example', recipient: 'full@example.net', status: '4.2.2', action: 'delayed', diagnostic: '452 4.2.2 Mailbox full', originalHeaders: m('full@example.net').headers })}`,
        ].join('\n');
        writeFileSync(join(work, `returned-${kind}.mbox`), mbox);
      } finally {
        await sink.close();
        await db.destroy();
      }
    });
    after(async () => { await target.cleanup(); });

    it('ingests a directory and an mbox, one line per message; a missing path gets its line and exit 1', () => {
      const run = ingest(target, [dir, join(work, `returned-${kind}.mbox`), join(work, 'missing.eml')]);
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(run.lines.map((l) => [l.file.split('/').pop(), l.message ?? null, l.outcome]), [
        ['a-hard.eml', null, 'acted'], ['b-policy.eml', null, 'acted'], [`returned-${kind}.mbox`, 1, 'acted'], [`returned-${kind}.mbox`, 2, 'acted'], ['missing.eml', null, 'unreadable'],
      ]);
      assert.deepEqual(run.lines.slice(0, 4).map((l) => l.recipients[0].action), ['suppress_hard', 'sender_problem', 'complaint', 'none']);
      assert.deepEqual(run.lines.slice(0, 4).map((l) => l.recipients[0].match.method), ['verp', 'verp', 'message_id', 'message_id']);
      assert.match(run.lines[4].error, /no such file/);
    });

    it('the same files again act once, and the suppressions are there', async () => {
      const run = ingest(target, [dir, join(work, `returned-${kind}.mbox`)]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.lines.map((l) => l.duplicate), [true, true, true, true]);
      const db = await target.open();
      try {
        const rows = await db.selectFrom('suppressions').select(['contact_id', 'reason']).where('lifted_at', 'is', null).execute();
        const by = (email: string) => rows.filter((r) => r.contact_id === ids[email]).map((r) => r.reason).sort();
        assert.deepEqual(by('hard@example.net'), ['hard_bounce']);
        assert.deepEqual(by('policy@example.net'), []);
        assert.deepEqual(by('angry@example.net'), ['complaint', 'unsubscribe']);
        assert.deepEqual(by('full@example.net'), []);
        const bounces = await db.selectFrom('bounces').select('contact_id').execute();
        assert.equal(bounces.length, 1, 'one hard bounce recorded, not two');
      } finally {
        await db.destroy();
      }
    });
  });
}
