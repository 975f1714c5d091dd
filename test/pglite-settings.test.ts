import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createDatabase, type Db } from '../src/db/database.js';
import { initPgliteDataDir, pgliteSettings } from '../src/db/open-pglite.js';

async function shownSettings(db: Db): Promise<Record<string, string>> {
  const shown: Record<string, string> = {};
  for (const name of Object.keys(pgliteSettings)) {
    const { rows } = await sql<{ value: string }>`select current_setting(${name}) as value`.execute(db);
    shown[name] = rows[0]!.value;
  }
  return shown;
}

describe('PGlite settings', () => {
  const work = mkdtempSync(join(tmpdir(), 'lw-pglite-settings-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('are in effect in memory', async () => {
    const db = await createDatabase({});
    try {
      assert.deepEqual(await shownSettings(db), pgliteSettings);
    } finally {
      await db.destroy();
    }
  });

  it('start each in-memory database empty, from the template written by the first', async () => {
    const first = await createDatabase({});
    try {
      await sql`create table left_behind (n int)`.execute(first);
    } finally {
      await first.destroy();
    }
    const templates = readdirSync(join(tmpdir(), `listwarden-pglite-${process.getuid!()}`));
    assert.ok(templates.some((name) => /^template-[0-9a-f]{24}\.tar$/.test(name)), templates.join(', '));
    const second = await createDatabase({});
    try {
      assert.deepEqual(await shownSettings(second), pgliteSettings);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_tables where schemaname = 'public'`.execute(second);
      assert.deepEqual(rows, [{ n: 0 }]);
    } finally {
      await second.destroy();
    }
  });

  it('create a data directory elsewhere, then hold in it across reopening', async () => {
    const dataDir = join(work, 'fresh');
    // A dead process's half-made database is cleared away.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(join(dataDir, `pglite.init-${dead}-0a1b2c3d`), { recursive: true });
    writeFileSync(join(dataDir, `pglite.init-${dead}-0a1b2c3d`, 'PG_VERSION'), '17\n');

    const db = await createDatabase({ dataDir });
    try {
      assert.deepEqual(await shownSettings(db), pgliteSettings);
      await sql`create table kept (n int)`.execute(db);
      await sql`insert into kept values (42)`.execute(db);
    } finally {
      await db.destroy();
    }
    assert.deepEqual(readdirSync(dataDir), ['pglite']);
    assert.ok(existsSync(join(dataDir, 'pglite', 'PG_VERSION')));

    const again = await createDatabase({ dataDir });
    try {
      assert.deepEqual(await shownSettings(again), pgliteSettings);
      const { rows } = await sql<{ n: number }>`select n from kept`.execute(again);
      assert.deepEqual(rows, [{ n: 42 }]);
    } finally {
      await again.destroy();
    }
  });

  it('let the process exit once destroyed, even when never queried', () => {
    // Kysely destroys only a driver that ran a query; PGlite left open kept a timer and the process alive.
    const code = "import('./src/db/database.ts').then(async (m) => { const db = await m.createDatabase({}); await db.destroy(); })";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: join(import.meta.dirname, '..'), timeout: 30_000, encoding: 'utf8' });
    assert.equal(run.signal, null, 'the process had to be killed: something kept it alive');
    assert.equal(run.status, 0, run.stderr);
  });

  it('start a new data directory from the template, empty and with the same settings', async () => {
    await (await createDatabase({})).destroy(); // the template exists from here on
    const dir = join(work, 'templated', 'pglite');
    const made = await initPgliteDataDir(dir);
    assert.equal(made.fromTemplate, true);
    const db = await createDatabase({ dataDir: join(work, 'templated') });
    try {
      assert.deepEqual(await shownSettings(db), pgliteSettings);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_tables where schemaname = 'public'`.execute(db);
      assert.deepEqual(rows, [{ n: 0 }]);
      await sql`create table kept (n int)`.execute(db);
    } finally {
      await db.destroy();
    }
    assert.deepEqual(readdirSync(join(work, 'templated')).filter((f) => f !== 'pglite.lock'), ['pglite']);
  });

  it('create a directory once when two creations race', async () => {
    const dir = join(work, 'raced', 'pglite');
    await Promise.all([initPgliteDataDir(dir), initPgliteDataDir(dir)]);
    assert.deepEqual(readdirSync(join(work, 'raced')), ['pglite']);
    assert.ok(existsSync(join(dir, 'PG_VERSION')));
  });

  it('refuse a non-empty directory that holds no database, and leave its files alone', async () => {
    const dataDir = join(work, 'occupied');
    mkdirSync(join(dataDir, 'pglite'), { recursive: true });
    writeFileSync(join(dataDir, 'pglite', 'notes.txt'), 'mine');
    await assert.rejects(createDatabase({ dataDir }), /not empty but holds no PGlite database/);
    assert.deepEqual(readdirSync(join(dataDir, 'pglite')), ['notes.txt']);
    assert.equal(readFileSync(join(dataDir, 'pglite', 'notes.txt'), 'utf8'), 'mine');
  });
});
