// `npm run bench -- public`: on PostgreSQL, the two public hot paths under load (autocannon, 50 connections):
// the sign-up form POST (a new address each time: validation, pending sign-up row, confirmation mail queued
// and built by the log transport in the same process) and the RFC 8058 one-click unsubscribe POST (token check
// and one SQL statement). Baseline: a Fastify hello-world route served by the same kind of child process in
// the same run. The per-IP sign-up limit is lifted (every request comes from 127.0.0.1); the rest is as shipped.
// Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server; a scratch schema, dropped after.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import { createForm } from '../src/forms/create-form.js';
import { formInputSchema } from '../src/forms/form-definition.js';
import { configurePublic } from '../src/public/http.js';
import { oneClickUnsubscribeUrl } from '../src/public/links.js';
import { buildApp } from '../src/server/app.js';
import { answerParent, backendCpu, benchDatabaseUrl, cpuOf, numberFlag, openBenchDb, serveHelloWorld, startChild } from './_http-bench.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';

const CONTACTS = numberFlag('contacts', 30_000);
const DURATION = numberFlag('seconds', 10);
const CONNECTIONS = 50;
const SECRET = 'b'.repeat(40);
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };
const url = benchDatabaseUrl;

const POOL = numberFlag('pool', 16);
// the app's connections carry this name so the parent can find their PostgreSQL backends and read their CPU
const APP_NAME = 'listwarden_bench_public';

if (process.argv.includes('--child')) {
  const mode = process.argv[process.argv.indexOf('--child') + 1];
  const schema = process.argv[process.argv.indexOf('--child') + 2];
  if (mode === 'hello') {
    await serveHelloWorld();
  } else {
    const db = openBenchDb({ schema, max: Number(process.argv[process.argv.indexOf('--child') + 3]), appName: APP_NAME });
    const config = loadConfig({ env: {}, file: '', persistSecret: false, overrides: { secretKey: SECRET, logLevel: 'silent', baseUrl: 'https://lists.example.org', smtp: { transport: 'log' } } });
    const app = await buildApp({ db, config, logger: false });
    configurePublic(app.deps, { signupPerIp: { limit: Number.MAX_SAFE_INTEGER, windowMs: 60_000 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    process.send!({ port: (app.server.address() as { port: number }).port });
  }
  answerParent();
} else {
  await main();
}

function startServer(mode: 'hello' | 'app', schema: string) {
  return startChild({ script: new URL(import.meta.url).pathname, mode, args: [schema, String(POOL)] });
}

type Req = { method: 'GET' | 'POST'; path: string; body?: string; headers?: Record<string, string> };
function load(port: number, next: () => Req, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({
      url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration,
      requests: [{ setupRequest: (req: any) => { const r = next(); return { ...req, method: r.method, path: r.path, body: r.body, headers: { ...req.headers, ...(r.headers ?? {}) } }; } }],
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
    const now = new Date();
    const ws = await createWorkspace({ db, name: 'Bench', actor: { type: 'system', id: null }, now });
    const lists: { id: string }[] = [];
    for (const name of ['News', 'Offers']) lists.push(await db.insertInto('lists').values({ workspace_id: ws.id, name }).returning('id').executeTakeFirstOrThrow());
    const w = (consent: string) => ({ title: 'Newsletter', consent: { email: consent } });
    const form = await createForm({ db, workspaceId: ws.id, now, input: formInputSchema.parse({
      name: 'Bench', listIds: lists.map((l) => l.id), defaultCountry: 'FR', privacyUrl: 'https://example.org/privacy',
      wording: { en: w('I agree to receive the newsletter.'), fr: w('J’accepte de recevoir la newsletter.'), de: w('Ich willige ein.') },
    }) });
    if (!form.ok) throw form.error;
    const seedStart = performance.now();
    // confirmed double opt-in subscribers, each on a list, for the unsubscribe phase
    await sql`insert into contacts (workspace_id, email, country, source_type, source_at)
      select ${ws.id}, 'sub' || g || '@example' || (g % 97) || '.com', 'FR', 'web_form_doi', now() - (g % 700) * interval '1 day'
      from generate_series(1, ${CONTACTS}) g`.execute(db);
    await sql`insert into consent_events (workspace_id, contact_id, channel, method, at, confirmed_at, evidence)
      select workspace_id, id, 'email', 'double_opt_in', source_at, source_at + interval '4 minutes', '{"formVersion":1,"ip":"203.0.113.7"}'
      from contacts where workspace_id = ${ws.id}`.execute(db);
    await sql`insert into list_memberships (workspace_id, list_id, contact_id) select workspace_id, ${lists[0].id}, id from contacts where workspace_id = ${ws.id}`.execute(db);
    // a steady-state database: some people unsubscribed long ago (so the planner knows the table is not empty)
    const old = await sql<{ id: string }>`insert into contacts (workspace_id, email, country, source_type, source_at)
      select ${ws.id}, 'old' || g || '@example.net', 'DE', 'web_form_doi', now() - interval '900 days' from generate_series(1, ${Math.round(CONTACTS / 10)}) g returning id`.execute(db);
    await sql`insert into suppressions (workspace_id, contact_id, reason, channel, at, source) select ${ws.id}, id, 'unsubscribe', 'email', now() - interval '400 days', 'one_click'
      from unnest(${old.rows.map((r) => r.id)}::uuid[]) as id`.execute(db);
    for (const table of ['contacts', 'consent_events', 'list_memberships', 'suppressions', 'forms', 'form_versions', 'signups']) await sql.raw(`vacuum (analyze) ${table}`).execute(db);
    const ids = (await db.selectFrom('contacts').select('id').where('workspace_id', '=', ws.id).where('email', 'like', 'sub%').execute()).map((r) => r.id);
    const oneClick = ids.map((contactId) => new URL(oneClickUnsubscribeUrl({ baseUrl: 'https://lists.example.org', secret: SECRET, workspaceId: ws.id, contactId, listId: lists[0].id, campaignId: 'bench', now })).pathname);
    console.log(JSON.stringify({ phase: 'seed', contacts: ids.length, ms: Math.round(performance.now() - seedStart) }));

    const hello = await startServer('hello', schema);
    children.push(hello.child);
    await load(hello.port, () => ({ method: 'GET', path: '/hello' }), 2);
    const base = await load(hello.port, () => ({ method: 'GET', path: '/hello' }), DURATION);
    console.log(JSON.stringify({ phase: 'baseline', route: 'GET /hello', rps: base.requests.average, p99_ms: base.latency.p99, errors: base.errors, non2xx: base.non2xx }));
    hello.child.disconnect();

    const app = await startServer('app', schema);
    children.push(app.child);
    const run = randomBytes(3).toString('hex');
    let n = 0;
    const signup = (): Req => ({
      method: 'POST', path: `/f/${form.value.public_id}?lang=en`, headers: FORM_HEADERS,
      body: `email=p${run}-${n++}%40example${n % 89}.org&consent_email=yes&list=${lists[n % 2].id}&lang=en&v=1&website=`,
    });
    const probe = await fetch(`http://127.0.0.1:${app.port}${signup().path}`, { method: 'POST', headers: FORM_HEADERS, body: signup().body });
    if (probe.status !== 200) throw new Error(`sign-up probe answered ${probe.status}: ${await probe.text()}`);
    await load(app.port, signup, 2);
    let cpu0 = await cpuOf(app.child);
    let pg0 = await backendCpu(db, APP_NAME);
    const su = await load(app.port, signup, DURATION);
    const signupCpu = (await cpuOf(app.child) - cpu0) / su.requests.total;
    const signupPg = (await backendCpu(db, APP_NAME) - pg0) / su.requests.total;
    console.log(JSON.stringify({ phase: 'signup', route: 'POST /f/:publicId', rps: su.requests.average, p50_ms: su.latency.p50, p99_ms: su.latency.p99, errors: su.errors, non2xx: su.non2xx, server_cpu_ms_per_req: Number(signupCpu.toFixed(3)), postgres_cpu_ms_per_req: Number(signupPg.toFixed(3)), load_avg_1m: loadavg()[0] }));

    // The confirmation mails queued by the sign-ups are sent in the background of the same process; let that
    // backlog drain (and report its rate) so the one-click phase does not share the process with it.
    const drainStart = performance.now();
    let left = 0;
    for (;;) {
      left = (await db.selectFrom('signups').select(sql<number>`count(*)::int`.as('n')).where('workspace_id', '=', ws.id).where('mail_status', 'in', ['pending', 'sending']).executeTakeFirstOrThrow()).n;
      if (left === 0 || performance.now() - drainStart > 120_000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const sentMails = (await db.selectFrom('signups').select(sql<number>`count(*)::int`.as('n')).where('workspace_id', '=', ws.id).where('mail_status', '=', 'sent').executeTakeFirstOrThrow()).n;
    console.log(JSON.stringify({ phase: 'confirmation-mails', sent: sentMails, still_queued: left, drain_ms: Math.round(performance.now() - drainStart) }));

    let k = 0;
    const unsubscribe = (): Req => ({ method: 'POST', path: oneClick[(k = (k + 7919) % oneClick.length)], headers: FORM_HEADERS, body: 'List-Unsubscribe=One-Click' });
    const p2 = unsubscribe();
    const probe2 = await fetch(`http://127.0.0.1:${app.port}${p2.path}`, { method: 'POST', headers: FORM_HEADERS, body: p2.body });
    if (probe2.status !== 200) throw new Error(`one-click probe answered ${probe2.status}: ${await probe2.text()}`);
    cpu0 = await cpuOf(app.child);
    pg0 = await backendCpu(db, APP_NAME);
    const oc = await load(app.port, unsubscribe, DURATION);
    const ocCpu = (await cpuOf(app.child) - cpu0) / oc.requests.total;
    const ocPg = (await backendCpu(db, APP_NAME) - pg0) / oc.requests.total;
    const suppressed = await db.selectFrom('suppressions').select(sql<number>`count(*)::int`.as('n')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    const pending = await db.selectFrom('signups').select(sql<number>`count(*)::int`.as('n')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    console.log(JSON.stringify({ phase: 'one-click', route: 'POST /u/:token', rps: oc.requests.average, p50_ms: oc.latency.p50, p99_ms: oc.latency.p99, errors: oc.errors, non2xx: oc.non2xx, server_cpu_ms_per_req: Number(ocCpu.toFixed(3)), postgres_cpu_ms_per_req: Number(ocPg.toFixed(3)), load_avg_1m: loadavg()[0], contacts_unsubscribed: suppressed.n, signups_recorded: pending.n }));
    console.log(JSON.stringify({
      bench: 'public', value: su.requests.average, unit: 'req/s', baseline: base.requests.average,
      ratio: Number((su.requests.average / base.requests.average).toFixed(3)), p99_ms: su.latency.p99,
      one_click_rps: oc.requests.average, one_click_p99_ms: oc.latency.p99, one_click_ratio: Number((oc.requests.average / base.requests.average).toFixed(3)),
      baseline_p99_ms: base.latency.p99, signup_server_cpu_ms_per_req: Number(signupCpu.toFixed(3)), signup_postgres_cpu_ms_per_req: Number(signupPg.toFixed(3)),
      one_click_server_cpu_ms_per_req: Number(ocCpu.toFixed(3)), one_click_postgres_cpu_ms_per_req: Number(ocPg.toFixed(3)), load_avg_1m: loadavg()[0], non2xx: su.non2xx + oc.non2xx, connections: CONNECTIONS, seconds: DURATION,
      targets: { signup_rps: 1000, one_click_rps: 2000, p99_ms: 100 },
    }));
  } finally {
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { c.kill(); resolve(); }, 3000);
      c.once('exit', () => { clearTimeout(timer); resolve(); });
      if (c.connected) c.disconnect(); else c.kill();
    })));
    await sql.raw(`drop schema ${schema} cascade`).execute(db).catch(() => undefined);
    await db.destroy();
  }
}
