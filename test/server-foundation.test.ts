// The platform base through its real interfaces: config parsing, migrations on each engine, health checks,
// the error body, authentication, the job worker and the audit chain.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { verifyAuditChain } from '../src/audit/verify-audit-chain.js';
import { recordAudit } from '../src/audit/record-audit.js';
import { createApiToken } from '../src/auth/create-api-token.js';
import { loadConfig, testConfig } from '../src/config.js';
import { AppError } from '../src/errors.js';
import { enqueueJob, registerJob } from '../src/jobs/jobs.js';
import { findJob } from '../src/jobs/jobs.repository.js';
import { startWorker } from '../src/jobs/worker.js';
import { buildApp } from '../src/server/app.js';
import { bootstrapPlatform } from '../src/workspaces/bootstrap-platform.js';
import { forEachDatabase } from './support/db.js';

it('config: a bad value stops start-up with a message naming the setting', () => {
  assert.throws(() => loadConfig({ env: { LISTWARDEN_PORT: 'eighty' }, file: '', persistSecret: false }),
    (err: unknown) => err instanceof AppError && err.code === 'invalid_config' && /"port"/.test(err.message));
  assert.throws(() => loadConfig({ env: { LISTWARDEN_SMTP_POOL_SIZE: '0' }, file: '', persistSecret: false }),
    (err: unknown) => err instanceof AppError && /"smtp.poolSize"/.test(err.message));
  const c = loadConfig({ env: { LISTWARDEN_PORT: '8080', LISTWARDEN_SMTP_HOST: 'mx.local', DATABASE_URL: 'postgres://x@y/z' }, file: '', persistSecret: false, overrides: { secretKey: 'k'.repeat(40) } });
  assert.equal(c.port, 8080);
  assert.equal(c.smtp.host, 'mx.local');
  assert.equal(c.databaseUrl, 'postgres://x@y/z');
  assert.equal(c.baseUrl, 'http://127.0.0.1:8080');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.smtp));
});

let jobSeq = 0;

forEachDatabase('server foundation', (t) => {
  it('answers /healthz and /readyz, and unknown paths with the error body', async () => {
    const app = await buildApp({ db: t.db, config: testConfig(), logger: false });
    assert.equal((await app.inject({ url: '/healthz' })).json().status, 'ok');
    assert.equal((await app.inject({ url: '/readyz' })).json().status, 'ready');
    const missing = await app.inject({ url: '/api/v1/nothing-here' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'not_found');
    await app.close();
  });

  it('first start creates one default workspace, an owner and a sign-in link, once', async () => {
    const first = await bootstrapPlatform({ db: t.db, baseUrl: 'http://x', ownerEmail: 'boss@example.com', now: new Date() });
    assert.ok(first.created && first.signInUrl.startsWith('http://x/sign-in/lwl_'));
    const again = await bootstrapPlatform({ db: t.db, baseUrl: 'http://x', ownerEmail: 'boss@example.com', now: new Date() });
    assert.equal(again.created, false);
    const members = await t.db.selectFrom('workspace_members').selectAll().execute();
    assert.deepEqual(members.map((m) => m.role), ['owner']);
  });

  it('rejects missing and wrong bearer tokens with 401', async () => {
    const app = await buildApp({ db: t.db, config: testConfig(), logger: false });
    app.register(async (scope) => {
      const { defineRoute } = await import('../src/server/route.js');
      defineRoute(scope, { method: 'GET', url: '/api/v1/probe', summary: 'probe', role: 'editor' }, async ({ auth }) => ({ ws: auth.workspaceId }));
    });
    const ws = await t.db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow();
    const editor = await createApiToken({ db: t.db, workspaceId: ws.id, name: 'e', role: 'editor', actor: { type: 'system', id: null }, now: new Date() });
    const viewer = await createApiToken({ db: t.db, workspaceId: ws.id, name: 'v', role: 'viewer', actor: { type: 'system', id: null }, now: new Date() });
    assert.equal((await app.inject({ url: '/api/v1/probe' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/api/v1/probe', headers: { authorization: 'Bearer lwt_' + 'x'.repeat(43) } })).statusCode, 401);
    const forbidden = await app.inject({ url: '/api/v1/probe', headers: { authorization: `Bearer ${viewer.token}` } });
    assert.equal(forbidden.statusCode, 403);
    assert.equal(forbidden.json().error.code, 'forbidden');
    const ok = await app.inject({ url: '/api/v1/probe', headers: { authorization: `Bearer ${editor.token}` } });
    assert.deepEqual(ok.json(), { ws: ws.id });
    const stored = await t.db.selectFrom('api_tokens').select('token_hash').execute();
    assert.ok(stored.every((r) => !r.token_hash.includes(editor.token)), 'only the hash is stored');
    await app.close();
  });

  it('runs jobs, retries a failing one with backoff, marks it dead after its attempts, and drains on stop', async () => {
    const name = `test-job-${jobSeq++}-${t.kind}`;
    const seen: number[] = [];
    registerJob<{ n: number }>(name, async (payload) => {
      if (payload.n < 0) throw new Error('boom');
      await new Promise((r) => setTimeout(r, 50));
      seen.push(payload.n);
    }, { maxAttempts: 2, backoffMs: 1 });
    const ok = await enqueueJob(t.db, name, { n: 7 });
    const bad = await enqueueJob(t.db, name, { n: -1 });
    let clock = Date.now();
    const worker = startWorker({ db: t.db, config: testConfig(), log: { info() {}, warn() {}, error() {} }, loop: false, concurrency: 4, names: [name], now: () => new Date(clock) });
    assert.equal(await worker.tick(), 2);
    await worker.stop(); // drains the 50 ms job in flight
    assert.deepEqual(seen, [7]);
    assert.equal((await findJob(t.db, ok))?.status, 'done');
    const failed = await findJob(t.db, bad);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.last_error, 'boom');
    assert.ok(failed!.run_at.getTime() > clock, 'retry is scheduled later');
    clock += 10_000;
    const second = startWorker({ db: t.db, config: testConfig(), log: { info() {}, warn() {}, error() {} }, loop: false, names: [name], now: () => new Date(clock) });
    assert.equal(await second.tick(), 1);
    await second.stop();
    assert.equal((await findJob(t.db, bad))?.status, 'dead');
    const stopped = startWorker({ db: t.db, config: testConfig(), log: { info() {}, warn() {}, error() {} }, loop: false, names: [name], now: () => new Date(clock) });
    await stopped.stop();
    await enqueueJob(t.db, name, { n: 1 });
    assert.equal(await stopped.tick(), 0, 'a stopped worker claims nothing');
  });

  it('two workers claiming at once never run the same job twice', async () => {
    const name = `test-race-${jobSeq++}-${t.kind}`;
    const runs: number[] = [];
    registerJob<{ n: number }>(name, async (payload) => {
      await new Promise((r) => setTimeout(r, 5));
      runs.push(payload.n);
    });
    for (let n = 0; n < 30; n++) await enqueueJob(t.db, name, { n });
    const quiet = { info() {}, warn() {}, error() {} };
    const a = startWorker({ db: t.db, config: testConfig(), log: quiet, loop: false, concurrency: 8, names: [name] });
    const b = startWorker({ db: t.db, config: testConfig(), log: quiet, loop: false, concurrency: 8, names: [name] });
    for (let round = 0; round < 10 && runs.length < 30; round++) {
      await Promise.all([a.tick(), b.tick()]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all([a.stop(), b.stop()]);
    assert.deepEqual([...runs].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i));
    const done = await t.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('name', '=', name).where('status', '=', 'done').executeTakeFirstOrThrow();
    assert.equal(Number(done.n), 30);
  });

  it('keeps the audit log hash-chained and detects tampering', async () => {
    const ws = await t.db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow();
    for (let i = 0; i < 3; i++) {
      await recordAudit({ db: t.db, workspaceId: ws.id, actor: { type: 'user', id: 'u1' }, action: 'contact.update', target: { type: 'contact', id: `c${i}` }, details: { b: 1, a: [i] }, at: new Date() });
    }
    const good = await verifyAuditChain({ db: t.db });
    assert.ok(good.ok && good.entries >= 3);
    await assert.rejects(sql`update audit_log set action = 'x'`.execute(t.db), /append-only/);
    await assert.rejects(sql`delete from audit_log`.execute(t.db), /append-only/);
    // an attacker with table rights: switch the guard off, rewrite one entry
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(t.db);
    const victim = await t.db.selectFrom('audit_log').select('id').where('target_id', '=', 'c1').executeTakeFirstOrThrow();
    await sql`update audit_log set details = '{"b":2}' where id = ${victim.id}`.execute(t.db);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(t.db);
    const bad = await verifyAuditChain({ db: t.db });
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.firstBreak, { id: victim.id, reason: 'hash_mismatch' });
  });
});
