// A scratch schema on PostgreSQL for the benches that measure one operation in this process (segment,
// send-start): a pool named after the bench (so its backends can be found in pg_stat_activity), CPU readings of
// this process and of those backends from /proc (wall time on a shared machine says little), and the schema
// dropped at the end. Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createPostgresPool, type Db } from '../src/db/database.js';
import type { Database } from '../src/db/schema.js';

export type Measured<T> = { ms: number; cpuNodeMs: number; cpuPgMs: number; result: T };

/** CPU ms (user + system) of a process so far; 0 once it is gone. */
export function cpuTicksMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

export async function pgScratch(app: string) {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPostgresPool({ url, max: 1 }) }) });
  await sql.raw(`create schema ${schema}`).execute(admin);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPostgresPool({ url: `${url}${url.includes('?') ? '&' : '?'}application_name=${app}`, max: 4, searchPath: schema }) }) }) as Db;

  /** CPU ms used so far by this process and by its PostgreSQL backends. */
  async function cpuNow(): Promise<{ node: number; postgres: number }> {
    const pids = (await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${app}`.execute(admin)).rows.map((r) => r.pid);
    return { node: cpuTicksMs(process.pid), postgres: pids.reduce((a, p) => a + cpuTicksMs(p), 0) };
  }

  return {
    db,
    /** Wall time and CPU (this process, its backends) of one run. */
    async measure<T>(run: () => Promise<T>): Promise<Measured<T>> {
      const c0 = await cpuNow();
      const t0 = performance.now();
      const result = await run();
      const ms = performance.now() - t0;
      const c1 = await cpuNow();
      return { ms, cpuNodeMs: c1.node - c0.node, cpuPgMs: c1.postgres - c0.postgres, result };
    },
    async drop(): Promise<void> {
      await db.destroy();
      await sql.raw(`drop schema ${schema} cascade`).execute(admin).catch(() => undefined);
      await admin.destroy();
    },
  };
}

/**
 * `count` contacts, each with a double opt-in consent with evidence (eligible); the
 * addresses spread over 200 domains. The caller puts them on its list.
 */
export async function insertOptedInContacts(db: Db, ws: { workspaceId: string }, count: number): Promise<void> {
  await sql`insert into contacts (workspace_id, email, country, source_type, source_at, custom_fields)
    select ${ws.workspaceId}::uuid, 'r' || g || '@d' || (g % 200) || '.example', 'FR', 'web_form', '2026-01-01T00:00:00Z', jsonb_build_object('first_name', 'Name' || g)
    from generate_series(1, ${count}::int) g`.execute(db);
  await sql`insert into consent_events (workspace_id, contact_id, channel, method, at, confirmed_at, evidence)
    select workspace_id, id, 'email', 'double_opt_in', '2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z', '{"formId":"f1","formVersion":1,"ip":"192.0.2.1"}'
    from contacts where workspace_id = ${ws.workspaceId}::uuid`.execute(db);
}
