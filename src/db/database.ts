/**
 * Opens the database: PostgreSQL through a pg Pool when a URL is given, otherwise embedded PGlite in
 * `dataDir/pglite` (or in memory when neither is given, for tests). The handle is passed in, never imported.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type DatabaseKind = 'postgres' | 'pglite';

export type CreateDatabaseOptions = {
  databaseUrl?: string;
  /** PGlite files go to `dataDir/pglite`; without it (and without a URL) PGlite runs in memory. */
  dataDir?: string;
  poolSize?: number;
};

const kinds = new WeakMap<object, DatabaseKind>();

/** Which engine a handle talks to; `FOR UPDATE SKIP LOCKED` and pool sizing differ between them. */
export function databaseKind(db: Kysely<any>): DatabaseKind {
  return kinds.get(db) ?? 'postgres';
}

// int8 (counts, identity ids) as numbers: ids stay far below 2^53, and PGlite already returns numbers.
const int8AsNumber = (value: string) => Number(value);
/** The `types` option for a pg Pool, shared with the test helper. */
export const pgTypes = {
  getTypeParser: ((oid: number, format?: any) => (oid === 20 ? int8AsNumber : pg.types.getTypeParser(oid, format))) as any,
};

export async function createDatabase(options: CreateDatabaseOptions): Promise<Db> {
  let db: Db;
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 20,
      types: pgTypes,
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    kinds.set(db, 'postgres');
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    let dir: string | undefined;
    if (options.dataDir) {
      dir = join(options.dataDir, 'pglite');
      mkdirSync(dir, { recursive: true });
    }
    const client = await PGlite.create(dir);
    db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
    kinds.set(db, 'pglite');
  }
  return db;
}
