/**
 * Opens the database: PostgreSQL through a pg Pool when a URL is given, otherwise embedded PGlite in
 * `dataDir/pglite` (or in memory when neither is given, for tests), holding `dataDir/pglite.lock` while open so
 * that one process at a time uses the directory. The handle is passed in, never imported.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import { openPglite } from './open-pglite.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type DatabaseKind = 'postgres' | 'pglite';

export type CreateDatabaseOptions = {
  databaseUrl?: string;
  /** PGlite files go to `dataDir/pglite`; without it (and without a URL) PGlite runs in memory. */
  dataDir?: string;
  poolSize?: number;
  /** Named prepared statements on PostgreSQL (default on). */
  preparedStatements?: boolean;
  /** In-memory PGlite only: start from this dump (`PGlite.dumpDataDir`) instead of an empty database. */
  pgliteDump?: Blob;
};

const kinds = new WeakMap<object, DatabaseKind>();
const pgliteClients = new WeakMap<object, PGlite>();

/** Which engine a handle talks to; `FOR UPDATE SKIP LOCKED` and pool sizing differ between them. */
export function databaseKind(db: Kysely<any>): DatabaseKind {
  return kinds.get(db) ?? 'postgres';
}

const pools = new WeakMap<object, { pool: pg.Pool; max: number }>();

/**
 * Whether a caller about to open a transaction may also hold a second connection beside it for reads: never on
 * PGlite (one connection: the reads would wait for the transaction's end), on PostgreSQL when two connections of
 * the pool are free now (idle, or not opened yet), so that taking both cannot wait on one another. A handle not
 * made by `createDatabase` (tests, benches: pools of several, used by one caller) is taken to have room.
 */
export function readsBesideTransaction(db: Kysely<any>): boolean {
  if (databaseKind(db) !== 'postgres') return false;
  const p = pools.get(db);
  return !p || p.pool.idleCount + (p.max - p.pool.totalCount) >= 2;
}

const postgresPools = new WeakMap<object, pg.Pool>();

/**
 * A handle on a pg Pool whose pool stays reachable (`postgresPoolOf`): the send worker commits its `sent` marks
 * on a client of its own, so that it writes the COMMIT itself, beside the final dots (send-worker.ts).
 */
export function postgresDatabase(pool: pg.Pool): Db {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  postgresPools.set(db, pool);
  return db;
}

/** The pg Pool behind a handle made by `postgresDatabase` (or `createDatabase` with a URL). */
export function postgresPoolOf(db: Kysely<any>): pg.Pool | undefined {
  return postgresPools.get(db);
}

/** The PGlite instance behind a handle, if it is one (benches read its WASM memory). */
export function pgliteOf(db: Kysely<any>): PGlite | undefined {
  return pgliteClients.get(db);
}

// int8 (counts, identity ids) as numbers: ids stay far below 2^53, and PGlite already returns numbers.
const int8AsNumber = (value: string) => Number(value);
/** The `types` option for a pg Pool, shared with the test helper. */
export const pgTypes = {
  getTypeParser: ((oid: number, format?: any) => (oid === 20 ? int8AsNumber : pg.types.getTypeParser(oid, format))) as any,
};

/**
 * A pg Pool whose parameterised queries run as named prepared statements, one per distinct SQL text and
 * connection: PostgreSQL then parses each query once per connection, which doubles the rate of the small
 * hot queries (eligibility: ~2,500 → ~5,000 a second on two cores). Texts with many parameters (`in` lists
 * of varying length) stay unnamed so the per-connection statement cache stays small. Turn it off
 * (`databasePreparedStatements: false`) behind a transaction-mode pooler such as PgBouncer.
 */
export function createPostgresPool(options: { url: string; max: number; searchPath?: string; prepared?: boolean }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    types: pgTypes,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  if (options.prepared !== false) {
    const names = new Map<string, string>();
    const nameOf = (text: string) => {
      let name = names.get(text);
      if (!name) {
        name = `lw_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
        if (names.size < 5_000) names.set(text, name);
      }
      return name;
    };
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: any[]) => any;
      (client as any).query = (text: unknown, values?: unknown, callback?: unknown) => {
        if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && values.length <= 64 && text.length <= 16_000) {
          return query({ name: nameOf(text), text, values }, callback);
        }
        return callback === undefined ? query(text, values) : query(text, values, callback);
      };
    });
  }
  return pool;
}

export async function createDatabase(options: CreateDatabaseOptions): Promise<Db> {
  let db: Db;
  if (options.databaseUrl) {
    const pool = createPostgresPool({ url: options.databaseUrl, max: options.poolSize ?? 20, prepared: options.preparedStatements });
    db = postgresDatabase(pool);
    kinds.set(db, 'postgres');
    pools.set(db, { pool, max: options.poolSize ?? 20 });
  } else {
    // One process at a time on a data directory; taken before a new directory is created, released by destroy.
    const lock = options.dataDir ? await lockDataDir(options.dataDir) : undefined;
    let client: PGlite;
    try {
      client = options.dataDir ? await openPglite(join(options.dataDir, 'pglite')) : await openPglite(undefined, { dump: options.pgliteDump });
    } catch (err) {
      lock?.release();
      throw err;
    }
    db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
    // Kysely destroys only a driver that ran a query: a database opened and destroyed unused would stay open,
    // and a timer of its WASM Postgres then kept the process alive. Closing here covers that case too.
    const destroy = db.destroy.bind(db);
    db.destroy = async () => {
      try {
        await destroy();
        if (!client.closed) await client.close();
      } finally {
        lock?.release();
      }
    };
    kinds.set(db, 'pglite');
    pgliteClients.set(db, client);
  }
  return db;
}
