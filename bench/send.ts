// `npm run bench -- send [--recipients=100000]`: campaign sending end to end (evaluate and queue, re-evaluate,
// render, DKIM-sign, SMTP, record) on PostgreSQL to a loopback SMTP sink in its own process, about 5 KB of HTML
// per message, with one campaign-worker process and the default RSA-2048 DKIM key (`value`), then with two, then
// with one and an Ed25519 key (`ed25519Value`). Baseline, same run, same sink: a bare nodemailer pool (same
// connection count) sending one pre-rendered message, unsigned. Each phase also prints CPU time per message by
// process (worker main thread and other threads, sink, PostgreSQL), which load elsewhere does not change.
// Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server; a scratch schema, dropped after.
// BENCH_PG_OPTS: more options for the workers' database sessions, e.g. `-c log_min_duration_statement=0` to
// read each statement's time in the server log.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Kysely, PostgresDialect, sql } from 'kysely';
import nodemailer from 'nodemailer';
import { createPostgresPool, type Db } from '../src/db/database.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { loadSendContext } from '../src/sending/load-send-context.js';
import { prepareMessage } from '../src/sending/prepare-message.js';
import { generateDkimKey } from '../src/senders/dkim-key.js';
import { aWorkspace, system } from '../test/send-support.js';
import { startSinkProcess } from '../test/send-sink-process.js';
import { insertOptedInContacts } from './_pg-scratch.js';
import { cpuTracker, processCpu } from './_send-cpu.js';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const RECIPIENTS = Number(flag('recipients') ?? 100_000);
// The phases: worker counts with the RSA-2048 key (the default a profile gets), `ed` = the same with an Ed25519
// key. Development: `--workers=1` alone; the summary line needs 1, 2 and 1ed.
const RUNS = (flag('workers') ?? '1,2,1ed').split(',').map((r) => ({ label: r, count: Number.parseInt(r, 10), ed25519: r.endsWith('ed') }));
const BASELINE_MESSAGES = Math.min(RECIPIENTS, 30_000);
const CONNECTIONS = Number(flag('connections') ?? 32);
const BATCH = Number(flag('batch') ?? 500);
// Render/sign threads per worker process; default one per core besides the main thread (two threads on two
// cores measured 390 against 518 messages a second: they took CPU from the main thread and the sink).
const RENDER_THREADS = Number(flag('render-threads') ?? Math.max(1, availableParallelism() - 1));
const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const secret = 'bench-secret-0123456789abcdef0123456789';
const baseUrl = 'https://lists.shop.example';
const line = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

const para = '<p style="margin:0 0 12px">Dear {{ contact.first_name }}, our spring collection is here: linen shirts, light '
  + 'jackets and <a href="https://shop.example/spring?utm_source=mail">the new trainers</a>. Members save 20 % until Sunday.</p>\n';
const html = `<table width="100%"><tr><td><h1>Spring at Shop</h1>\n${para.repeat(Math.ceil(4800 / para.length))}</td></tr></table>`;

const schema = `bench_${randomBytes(5).toString('hex')}`;
const named = (app: string) => `${url}${url.includes('?') ? '&' : '?'}application_name=${app}`;
const admin = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPostgresPool({ url, max: 2 }) }) });
await sql.raw(`create schema ${schema}`).execute(admin);
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPostgresPool({ url: named('lw_bench_main'), max: 8, searchPath: schema }) }) }) as Db;
const sink = await startSinkProcess({ keepRaw: false });
const workers: ChildProcess[] = [];
// CPU per message by process: the worker (main thread, other threads), the sink, the PostgreSQL backends of the
// workers and of this process (evaluate and queue), PostgreSQL's background processes, this process.
const cpu = cpuTracker({
  discover: async () => (await sql<{ pid: number; application_name: string; backend_type: string }>`
    select pid, application_name, backend_type from pg_stat_activity`.execute(admin)).rows.flatMap((r): [number, string][] => {
    if (r.application_name === 'lw_bench_worker') return [[r.pid, 'pgWorkers']];
    if (r.application_name === 'lw_bench_main') return [[r.pid, 'pgBench']];
    if (r.backend_type !== 'client backend') return [[r.pid, 'pgBackground']];
    return [];
  }),
});
cpu.add(sink.pid, 'sink');
cpu.add(process.pid, 'bench');
async function settled(pids: number[]): Promise<void> {
  const started = Date.now();
  let last = pids.map(processCpu);
  let quiet = 0;
  while (quiet < 5 && Date.now() - started < 30_000) {
    await new Promise((r) => setTimeout(r, 100));
    const now = pids.map(processCpu);
    quiet = now.every((v, i) => v - last[i] <= 10) ? quiet + 1 : 0;
    last = now;
  }
}
const perMessage = (reading: Awaited<ReturnType<typeof cpu.read>>, messages: number) => {
  const us = Object.fromEntries(Object.entries(reading.byLabel).map(([k, v]) => [k, Math.round((v * 1000) / messages)]));
  const ours = Object.values(reading.byLabel).reduce((a, b) => a + b, 0);
  return { ...us, total: Math.round((ours * 1000) / messages), machineOthers: Math.round(((reading.machineBusyMs - ours) * 1000) / messages) };
};

try {
  await migrateOrThrow(db);
  const ws = await aWorkspace(db);
  const t0 = performance.now();
  await insertOptedInContacts(db, ws, RECIPIENTS);
  await sql`insert into list_memberships (workspace_id, list_id, contact_id) select workspace_id, ${ws.listId}::uuid, id from contacts where workspace_id = ${ws.workspaceId}::uuid`.execute(db);
  await sql`analyze`.execute(db);
  line({ phase: 'fixtures', recipients: RECIPIENTS, ms: Math.round(performance.now() - t0) });

  const campaign = await createCampaign({ db, workspaceId: ws.workspaceId, now: new Date(), input: {
    name: 'Bench', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example',
    subject: 'Spring for {{ contact.first_name }}', html, trackClicks: true,
  } });
  if (!campaign.ok) throw campaign.error;

  // Baseline: one message prepared by the real pipeline (so the same size and shape), sent unsigned by a bare pool.
  const probe = await startSend({ db, workspaceId: ws.workspaceId, campaignId: campaign.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
  if (!probe.ok) throw probe.error;
  const ctx = (await loadSendContext({ db, sendId: probe.value.sendId }))!;
  const prepared = prepareMessage({ ctx, secret, baseUrl, now: new Date(), recipient: { id: 1, contactId: '00000000-0000-4000-8000-000000000001', email: 'r1@d1.example', idempotencyKey: 'x', fields: { first_name: 'Ann' } } });
  const unsigned = Buffer.from(prepared.raw.toString('utf8').replace(/^DKIM-Signature:[^]*?\r\n(?=[A-Z])/, ''), 'utf8');
  await sql`update sends set status = 'cancelled' where id = ${probe.value.sendId}`.execute(db);
  await sql`update send_recipients set state = 'cancelled' where send_id = ${probe.value.sendId} and state = 'queued'`.execute(db);
  await sql`update campaigns set status = 'draft'`.execute(db);
  line({ phase: 'message', bytes: prepared.raw.length, htmlBytes: html.length });

  const pool = nodemailer.createTransport({ host: sink.host, port: sink.port, pool: true, maxConnections: CONNECTIONS, maxMessages: Infinity, ignoreTLS: true });
  let c0 = await sink.count();
  await cpu.reset();
  const b0 = performance.now();
  let inflight: Promise<unknown>[] = [];
  for (let i = 0; i < BASELINE_MESSAGES; i++) {
    inflight.push(pool.sendMail({ envelope: { from: 'bounce@bounces.shop.example', to: [`r${i}@d${i % 200}.example`] }, raw: unsigned }));
    if (inflight.length >= 500) { await Promise.all(inflight); inflight = []; }
  }
  await Promise.all(inflight);
  const baselineRate = BASELINE_MESSAGES / ((performance.now() - b0) / 1000);
  pool.close();
  line({ phase: 'baseline', messages: (await sink.count()) - c0, perSecond: Math.round(baselineRate), cpuUsPerMessage: perMessage(await cpu.read(), BASELINE_MESSAGES) });

  const env = {
    PATH: process.env.PATH ?? '', DATABASE_URL: `${named('lw_bench_worker')}&options=${encodeURIComponent(`-c search_path=${schema} ${process.env.BENCH_PG_OPTS ?? ''}`)}`,
    LISTWARDEN_SMTP_HOST: sink.host, LISTWARDEN_SMTP_PORT: String(sink.port), LISTWARDEN_SMTP_TRANSPORT: 'smtp',
    LISTWARDEN_SECRET_KEY: secret, LISTWARDEN_BASE_URL: baseUrl, LISTWARDEN_LOG_LEVEL: process.env.BENCH_WORKER_LOG ?? 'error', LISTWARDEN_DATABASE_POOL_SIZE: '8',
    LISTWARDEN_SENDING_CONNECTIONS: String(CONNECTIONS), LISTWARDEN_SENDING_BATCH_SIZE: String(BATCH), LISTWARDEN_SENDING_POLL_MS: '20',
    LISTWARDEN_SENDING_RENDER_THREADS: String(RENDER_THREADS),
  };
  const startWorker = () => {
    const code = "import('./src/cli/main.ts').then((m) => m.main(['campaign-worker'])).then((c) => { process.exitCode = c; })";
    const w = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : []), '--import', 'tsx', '-e', code], { env, stdio: ['ignore', process.env.BENCH_WORKER_LOG ? 'inherit' : 'ignore', 'inherit'] });
    workers.push(w);
    cpu.add(w.pid!, 'worker', { splitMain: true, fromZero: true });
    return w;
  };

  const rates = new Map<string, number>();
  const rsaPem = (await sql<{ k: string }>`select dkim_private_key as k from sender_profiles where workspace_id = ${ws.workspaceId}::uuid`.execute(db)).rows[0].k;
  const edPem = generateDkimKey({ domain: 'shop.example', selector: 'lw1', type: 'ed25519' }).privateKeyPem;
  for (const { label, count, ed25519 } of RUNS) {
    // Workers read the key when they first meet the send, so it is switched before they start.
    await sql`update sender_profiles set dkim_private_key = ${ed25519 ? edPem : rsaPem} where workspace_id = ${ws.workspaceId}::uuid`.execute(db);
    const ready = Array.from({ length: count }, startWorker);
    // Workers start (tsx compiling TypeScript in each process and render thread, migrations check) before the
    // clock runs: wait until they have used no CPU for half a second (a sleep of 1.5 s was too short under load).
    await settled(ready.map((w) => w.pid!));
    c0 = await sink.count();
    await cpu.reset();
    const s0 = performance.now();
    const started = await startSend({ db, workspaceId: ws.workspaceId, campaignId: campaign.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
    if (!started.ok) throw started.error;
    const queuedMs = performance.now() - s0;
    await sink.waitFor(c0 + RECIPIENTS, 900_000);
    const total = (performance.now() - s0) / 1000;
    const reading = await cpu.read();
    const rate = RECIPIENTS / total;
    rates.set(label, rate);
    const states = await sql<{ state: string; n: number }>`select state, count(*)::int as n from send_recipients where send_id = ${started.value.sendId} group by state`.execute(db);
    line({ phase: `${count} worker${count > 1 ? 's' : ''}`, dkim: ed25519 ? 'ed25519' : 'rsa-2048', recipients: RECIPIENTS, seconds: Number(total.toFixed(2)), evaluateAndQueueSeconds: Number((queuedMs / 1000).toFixed(2)),
      perSecond: Math.round(rate), sendingPhasePerSecond: Math.round(RECIPIENTS / (total - queuedMs / 1000)), states: Object.fromEntries(states.rows.map((r) => [r.state, r.n])),
      cpuUsPerMessage: perMessage(reading, RECIPIENTS) });
    for (const w of ready) w.kill('SIGTERM');
    await Promise.all(ready.map((w) => new Promise((r) => w.once('exit', r))));
    await sql`update campaigns set status = 'draft'`.execute(db);
  }
  const [one, two, ed] = [rates.get('1'), rates.get('2'), rates.get('1ed')];
  // `value` is measured with RSA-2048, the key type a profile gets by default; the Ed25519 figure stands beside it.
  if (one !== undefined && two !== undefined && ed !== undefined) line({ bench: 'send', value: Math.round(one), unit: 'messages/s (1 worker, end to end, DKIM rsa-2048)', baseline: Math.round(baselineRate),
    ratio: Number((one / baselineRate).toFixed(2)), dkim: 'rsa-2048', twoWorkers: Math.round(two), ed25519Value: Math.round(ed), ed25519Ratio: Number((ed / baselineRate).toFixed(2)), recipients: RECIPIENTS, connections: CONNECTIONS, renderThreads: RENDER_THREADS, target: 1500 });
} finally {
  cpu.stop();
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await sink.close();
  await db.destroy();
  await sql.raw(`drop schema ${schema} cascade`).execute(admin).catch(() => undefined);
  await admin.destroy();
}
