/**
 * Runs a database suite against every engine: PGlite in memory always, and PostgreSQL when
 * `TEST_DATABASE_URL` is set (a fresh schema per suite, dropped afterwards).
 *
 *   forEachDatabase('contacts', (t) => {
 *     it('stores a contact', async () => { await t.db.insertInto('contacts')… });
 *   });
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createDatabase, createPostgresPool, pgliteOf, postgresDatabase, type DatabaseKind, type Db } from '../../src/db/database.js';
import { pgliteSettings } from '../../src/db/open-pglite.js';
import { templateDir, writeDump } from '../../src/db/pglite-template.js';
import { migrateOrThrow } from '../../src/db/migrate.js';

export type TestDatabase = { kind: DatabaseKind; db: Db; cleanup: () => Promise<void> };

/** The engines this run covers. Reading the environment here is the test harness's job, not the app's. */
export function testDatabaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** A migrated, empty database of that kind, and how to throw it away. */
export async function openTestDatabase(kind: DatabaseKind, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const dump = migratedDump();
    // A dump that cannot be loaded is written again from a database migrated here.
    const db = await (dump?.tar.length ? createDatabase({ pgliteDump: new Blob([dump.tar]) }).catch(() => { dump.tar = Buffer.alloc(0); return createDatabase({}); }) : createDatabase({}));
    // Up to date from the dump (a no-op), or every migration when there was none.
    await migrateOrThrow(db);
    const client = pgliteOf(db);
    if (dump && !dump.tar.length && client) await writeDump(client, dump.file);
    return { kind, db, cleanup: () => db.destroy() };
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const pool = createPostgresPool({ url, max: options.poolSize ?? 10, searchPath: schema });
  // Through postgresDatabase, as the app's own handle: the send worker's commit path depends on it.
  const db = postgresDatabase(pool);
  await migrateOrThrow(db);
  return {
    kind,
    db,
    cleanup: async () => {
      await sql.raw(`drop schema ${schema} cascade`).execute(db).catch(() => undefined);
      await db.destroy();
    },
  };
}

/**
 * Each PGlite suite starts from a dump of a freshly migrated database instead of migrating its own (about 1.5 s
 * of CPU a suite here): one per set of migration sources, PGlite build and settings, written by the first suite
 * that needs it, in a directory only this user can write. `tar` is empty when it is not written yet.
 */
function migratedDump(): { file: string; tar: Buffer } | undefined {
  const dir = templateDir();
  if (!dir) return undefined;
  try {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const hash = createHash('sha256');
    for (const name of ['src/db/migrate.ts', ...readdirSync(join(root, 'src/db/migrations')).sort().map((f) => `src/db/migrations/${f}`)]) {
      hash.update(name).update(readFileSync(join(root, name)));
    }
    const pglite = readFileSync(join(root, 'node_modules/@electric-sql/pglite/package.json'));
    const key = hash.update(pglite).update(JSON.stringify(pgliteSettings)).digest('hex').slice(0, 24);
    const file = join(dir, `migrated-${key}.tar`);
    try {
      return { file, tar: readFileSync(file) };
    } catch {
      return { file, tar: Buffer.alloc(0) };
    }
  } catch {
    return undefined;
  }
}

export type SuiteContext = { kind: DatabaseKind; db: Db };

/** Declares one `describe` block per engine; `t.db` is ready inside tests and hooks declared in `body`. */
export function forEachDatabase(title: string, body: (t: SuiteContext) => void): void {
  for (const kind of testDatabaseKinds()) {
    describe(`${title} [${kind}]`, () => {
      const t = { kind } as SuiteContext;
      let opened: TestDatabase | undefined;
      before(async () => {
        opened = await openTestDatabase(kind);
        t.db = opened.db;
      });
      after(async () => { await opened?.cleanup(); });
      body(t);
    });
  }
}

/**
 * A fresh PostgreSQL database on the `TEST_DATABASE_URL` server, for tests that run the CLI as a child process
 * (it needs its own `DATABASE_URL`, not a schema on a pool); `drop` removes it even with connections open.
 */
export async function createScratchPostgresDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try { await client.query(query); } finally { await client.end(); }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
