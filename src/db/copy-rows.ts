/**
 * Loads binary COPY data (see imports/copy-binary.ts) into a table, inside the caller's transaction:
 * `FROM STDIN` through pg-copy-streams on PostgreSQL, `FROM '/dev/blob'` on PGlite. A row that breaks a
 * constraint fails the whole statement (and so the caller's transaction): COPY has no ON CONFLICT. `kind`: the
 * engine, read from the database handle (a transaction's handle does not tell).
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { CompiledQuery, type Kysely } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import type { DatabaseKind } from './database.js';

export async function copyBinaryRows(db: Kysely<any>, kind: DatabaseKind, table: string, columns: readonly string[], pieces: readonly Uint8Array[]): Promise<void> {
  if (pieces.length === 0) return;
  const head = `copy ${table} (${columns.join(', ')})`;
  if (kind === 'pglite') {
    // The PGlite dialect hands a compiled query's `blob` to PGlite's query options.
    await db.executeQuery({ ...CompiledQuery.raw(`${head} from '/dev/blob' with (format binary)`), blob: new Blob(pieces as Uint8Array[]) } as CompiledQuery);
    return;
  }
  const stream = copyFrom(`${head} from stdin with (format binary)`);
  const done = finished(stream);
  // Kysely passes `sql` to pg's client.query untouched, and pg takes a submittable there (its own way of
  // running COPY): the statement runs on the transaction's connection, in order with its other statements.
  await db.executeQuery({ ...CompiledQuery.raw(''), sql: stream as unknown as string });
  // A failed COPY (a constraint) destroys the stream: stop writing, and let `done` throw the server's error.
  const settled = done.then(() => undefined, () => undefined);
  for (const piece of pieces) {
    if (stream.destroyed) break;
    if (!stream.write(piece)) await Promise.race([once(stream, 'drain'), settled]);
  }
  if (!stream.destroyed) stream.end();
  await done;
}
