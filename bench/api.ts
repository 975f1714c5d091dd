// `npm run bench -- api`: GET /api/v1/contacts/:id/eligibility on PostgreSQL with 100,000 contacts, 50
// connections (autocannon). Baseline: a Fastify hello-world route served by the same kind of child process in
// the same run. The servers run in a child process so the load generator does not share their event loop.
// Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server; a scratch schema, dropped after.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { createApiToken } from '../src/auth/create-api-token.js';
import { loadConfig } from '../src/config.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import { buildApp } from '../src/server/app.js';
import { answerParent, backendCpu, benchDatabaseUrl, cpuOf, numberFlag, openBenchDb, serveHelloWorld, startChild } from './_http-bench.js';
import { createLogger } from '../src/server/runtime.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';

const CONTACTS = numberFlag('contacts', 100_000);
const DURATION = numberFlag('seconds', 10);
const CONNECTIONS = 50;
const url = benchDatabaseUrl;

const POOL = numberFlag('pool', 16);
// the app's connections carry this name so the parent can find their PostgreSQL backends and read their CPU
const APP_NAME = 'listwarden_bench_api';

// ---- child: serves either the hello-world baseline or the real app, and reports its port
if (process.argv.includes('--child')) {
  const mode = process.argv[process.argv.indexOf('--child') + 1];
  const schema = process.argv[process.argv.indexOf('--child') + 2];
  if (mode === 'hello') {
    await serveHelloWorld();
  } else {
    const db = openBenchDb({ schema, max: Number(process.argv[process.argv.indexOf('--child') + 3]), appName: APP_NAME });
    const config = loadConfig({ env: {}, file: '', persistSecret: false, overrides: { secretKey: 'b'.repeat(40), logLevel: 'silent' } });
    // --log: the production logger at info (what `serve` runs with), written to /dev/null
    const logger = process.argv.includes('--log') ? createLogger({ logLevel: 'info' }, pino.destination({ dest: '/dev/null', sync: false })) : false;
    const app = await buildApp({ db, config, logger });
    await app.listen({ port: 0, host: '127.0.0.1' });
    process.send!({ port: (app.server.address() as { port: number }).port });
  }
  answerParent();
} else {
  await main();
}

function startServer(mode: 'hello' | 'app', schema: string) {
  return startChild({ script: new URL(import.meta.url).pathname, mode, args: [schema, String(POOL), ...(process.argv.includes('--log') ? ['--log'] : [])] });
}

function load(port: number, paths: () => string, headers: Record<string, string>, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({
      url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration, headers,
      requests: [{ method: 'GET', setupRequest: (req: any) => ({ ...req, path: paths() }) }],
    }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const db = openBenchDb({ schema, max: 4 });
  const children: ChildProcess[] = [];
  try {
    await migrateOrThrow(db);
    const ws = await createWorkspace({ db, name: 'Bench', actor: { type: 'system', id: null }, now: new Date() });
    const token = (await createApiToken({ db, workspaceId: ws.id, name: 'bench', role: 'viewer', actor: { type: 'system', id: null }, now: new Date() })).token;
    const seedStart = performance.now();
    // every contact signed up by double opt-in; a third clicked, one in twenty unsubscribed, one in fifty bounced
    await sql`insert into contacts (workspace_id, email, country, source_type, source_at, source_evidence)
      select ${ws.id}, 'person' || g || '@example' || (g % 97) || '.com', (array['FR','DE','GB','US','IT'])[1 + g % 5], 'web_form',
        now() - (g % 700) * interval '1 day', '["form:signup@2"]'
      from generate_series(1, ${CONTACTS}) g`.execute(db);
    await sql`insert into consent_events (workspace_id, contact_id, channel, method, at, confirmed_at, evidence)
      select workspace_id, id, 'email', 'double_opt_in', source_at, source_at + interval '4 minutes', '{"formId":"signup","formVersion":2,"ip":"203.0.113.7"}'
      from contacts where workspace_id = ${ws.id}`.execute(db);
    await sql`insert into activity_events (workspace_id, contact_id, type, at)
      select workspace_id, id, 'click', now() - interval '20 days' from contacts where workspace_id = ${ws.id} and get_byte(uuid_send(id), 0) % 3 = 0`.execute(db);
    await sql`insert into suppressions (workspace_id, contact_id, reason, at)
      select workspace_id, id, 'unsubscribe', now() - interval '3 days' from contacts where workspace_id = ${ws.id} and get_byte(uuid_send(id), 1) % 20 = 0`.execute(db);
    await sql`insert into bounces (workspace_id, contact_id, type, at, status)
      select workspace_id, id, 'hard', now() - interval '9 days', '5.1.1' from contacts where workspace_id = ${ws.id} and get_byte(uuid_send(id), 2) % 50 = 0`.execute(db);
    // a steady-state database: vacuumed (visibility map set) and analysed, as autovacuum leaves it
    for (const table of ['contacts', 'consent_events', 'activity_events', 'suppressions', 'bounces', 'api_tokens']) await sql.raw(`vacuum (analyze) ${table}`).execute(db);
    const ids = (await db.selectFrom('contacts').select('id').where('workspace_id', '=', ws.id).execute()).map((r) => r.id);
    console.log(JSON.stringify({ phase: 'seed', contacts: ids.length, ms: Math.round(performance.now() - seedStart) }));

    const hello = await startServer('hello', schema);
    children.push(hello.child);
    await load(hello.port, () => '/hello', {}, 2);
    const helloCpuBefore = await cpuOf(hello.child);
    const base = await load(hello.port, () => '/hello', {}, DURATION);
    const helloCpuMsPerReq = (await cpuOf(hello.child) - helloCpuBefore) / base.requests.total;
    console.log(JSON.stringify({ phase: 'baseline', route: 'GET /hello', rps: base.requests.average, p99_ms: base.latency.p99, errors: base.errors, non2xx: base.non2xx, server_cpu_ms_per_req: Number(helloCpuMsPerReq.toFixed(3)) }));
    hello.child.disconnect();

    const app = await startServer('app', schema);
    children.push(app.child);
    let i = 0;
    const next = () => `/api/v1/contacts/${ids[(i = (i + 7919) % ids.length)]}/eligibility?channel=email&purpose=marketing`;
    const auth = { authorization: `Bearer ${token}` };
    const probe = await fetch(`http://127.0.0.1:${app.port}${next()}`, { headers: auth });
    if (probe.status !== 200) throw new Error(`eligibility probe answered ${probe.status}: ${await probe.text()}`);
    await load(app.port, next, auth, 3);
    const cpuBefore = await cpuOf(app.child);
    const pgCpuBefore = await backendCpu(db, APP_NAME);
    const res = await load(app.port, next, auth, DURATION);
    const serverCpuMsPerReq = (await cpuOf(app.child) - cpuBefore) / res.requests.total;
    const pgCpuMsPerReq = (await backendCpu(db, APP_NAME) - pgCpuBefore) / res.requests.total;
    console.log(JSON.stringify({ phase: 'eligibility', route: 'GET /api/v1/contacts/:id/eligibility', rps: res.requests.average, p50_ms: res.latency.p50, p99_ms: res.latency.p99, errors: res.errors, non2xx: res.non2xx, server_cpu_ms_per_req: Number(serverCpuMsPerReq.toFixed(3)), postgres_cpu_ms_per_req: Number(pgCpuMsPerReq.toFixed(3)), pool: POOL, load_avg_1m: loadavg()[0] }));
    console.log(JSON.stringify({
      bench: 'api', value: res.requests.average, unit: 'req/s', baseline: base.requests.average,
      ratio: Number((res.requests.average / base.requests.average).toFixed(3)), p99_ms: res.latency.p99, baseline_p99_ms: base.latency.p99,
      server_cpu_ms_per_req: Number(serverCpuMsPerReq.toFixed(3)), baseline_server_cpu_ms_per_req: Number(helloCpuMsPerReq.toFixed(3)),
      postgres_cpu_ms_per_req: Number(pgCpuMsPerReq.toFixed(3)), load_avg_1m: loadavg()[0], contacts: ids.length, connections: CONNECTIONS, seconds: DURATION, non2xx: res.non2xx, targets: { rps: 5000, p99_ms: 50 },
    }));
  } finally {
    // disconnecting lets a child exit on its own (and write its CPU profile); kill it if it does not
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { c.kill(); resolve(); }, 3000);
      c.once('exit', () => { clearTimeout(timer); resolve(); });
      if (c.connected) c.disconnect(); else c.kill();
    })));
    await sql.raw(`drop schema ${schema} cascade`).execute(db).catch(() => undefined);
    await db.destroy();
  }
}
