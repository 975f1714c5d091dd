/**
 * Rate limits shared by several send workers on one database (issue 6: "several worker processes may run at
 * once"): two workers together stay within the global and the per-domain limit, where per-process buckets let
 * each use the whole limit and so doubled it; a worker that died stops taking a share once its row expires.
 * Real workers, a real SMTP sink; the receive times are asserted with margins (a bucket may burst one second's
 * worth, one message at least, per worker).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { startSendWorker, type SendWorker } from '../src/sending/send-worker.js';
import type { PacingLimits } from '../src/sending/pacing.js';
import { beatSendWorker, joinSendWorkers, leaveSendWorkers, listLiveSendWorkers } from '../src/sending/send-workers.repository.js';
import type { Db } from '../src/db/database.js';

const secret = 'shared-pacing-secret-0123456789ab';
const baseUrl = 'https://lw.example';
const heartbeat = { refreshMs: 150, ttlMs: 1_000 };

/** A running send to these addresses; returns its id. */
async function aSend(db: Db, emails: string[]): Promise<number> {
  const ws = await aWorkspace(db);
  await someContacts(db, ws, emails.map((email) => ({ email })));
  const created = await createCampaign({ db, workspaceId: ws.workspaceId, now: new Date(), input: {
    name: 'Paced together', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>',
  } });
  assert.ok(created.ok);
  const started = await startSend({ db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
  assert.ok(started.ok);
  return started.value.sendId;
}

/** The most messages received within any `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j] - sorted[i] >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

forEachDatabase('send rate limits shared by workers', (t) => {
  let sink: SmtpSink;
  before(async () => { sink = await startSmtpSink({ keepRaw: true }); });
  after(async () => { await sink.close(); });

  const worker = (workerId: string, pacing: PacingLimits): SendWorker => startSendWorker({
    db: t.db, workerId, smtp: { host: sink.host, port: sink.port }, connections: 2, batchSize: 10, leaseMs: 30_000, pollMs: 20,
    secret, baseUrl, pacing, pacingHeartbeat: heartbeat,
  });

  /** Receive times of the messages to `emails`, once all have arrived (each exactly once). */
  async function received(emails: string[], timeoutMs = 15_000): Promise<number[]> {
    const wanted = new Set(emails);
    const start = Date.now();
    const mine = () => sink.messages.filter((m) => wanted.has(m.to[0]));
    while (mine().length < emails.length && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 25));
    const got = mine();
    assert.deepEqual(got.map((m) => m.to[0]).sort(), [...emails].sort(), 'every recipient exactly once');
    return got.map((m) => m.at);
  }

  async function sentBy(sendId: number): Promise<Set<string>> {
    const rows = await t.db.selectFrom('send_recipients').select('claimed_by').where('send_id', '=', sendId).where('state', '=', 'sent').execute();
    return new Set(rows.map((r) => String(r.claimed_by).split('/')[0]));
  }

  it('two workers together keep the global rate: 20/s, not 20/s each', async () => {
    const emails = Array.from({ length: 60 }, (_, i) => `g${i}@d${i}.example`);
    const sendId = await aSend(t.db, emails);
    const workers = [worker('w-global-a', { perSecond: 20 }), worker('w-global-b', { perSecond: 20 })];
    const times = await received(emails);
    await Promise.all(workers.map((w) => w.stop()));
    // Shared: 20 at once (10 a worker), then 40 at 20/s, about 2 s. Each at the whole rate (the old pacer):
    // 40 at once, then 20 at 40/s, about 0.5 s, and all 60 within one second.
    const span = Math.max(...times) - Math.min(...times);
    assert.ok(span >= 1_400, `60 messages at 20/s after a burst of 20 take about 2 s, not ${span} ms`);
    const busiest = busiestWindow(times, 1_000);
    assert.ok(busiest <= 44, `at most a burst of 20 and 20 more in any second, not ${busiest}`);
    assert.deepEqual([...await sentBy(sendId)].sort(), ['w-global-a', 'w-global-b'], 'both workers sent');
    assert.deepEqual((await listLiveSendWorkers(t.db)).live, [], 'stopped workers remove their rows');
  });

  it('two workers together keep a per-domain limit (an override), while other domains go at their own rate', async () => {
    const slow = Array.from({ length: 12 }, (_, i) => `s${i}@orange.example`);
    const fast = Array.from({ length: 8 }, (_, i) => `f${i}@other.example`);
    await aSend(t.db, [...slow, ...fast]);
    const pacing = { perDomainPerMinute: 6_000, domainOverrides: { 'orange.example': 240 } };
    const started = Date.now();
    const workers = [worker('w-domain-a', pacing), worker('w-domain-b', pacing)];
    const slowTimes = await received(slow);
    const fastTimes = await received(fast);
    await Promise.all(workers.map((w) => w.stop()));
    // 240 a minute is 4/s: 2/s and a burst of 2 a worker, so 4 at once, then 8 at 4/s, about 2 s. The old pacer:
    // 8 at once, then 4 at 8/s, about 0.5 s.
    const span = Math.max(...slowTimes) - Math.min(...slowTimes);
    assert.ok(span >= 1_400, `12 messages to orange.example at 4/s after a burst of 4 take about 2 s, not ${span} ms`);
    const busiest = busiestWindow(slowTimes, 1_000);
    assert.ok(busiest <= 9, `at most a burst of 4 and 4 more in any second, not ${busiest}`);
    assert.ok(Math.max(...fastTimes) - started < 1_500, 'other.example was not held back by orange.example');
  });

  it('a worker that died (its row left behind) holds the others back only until its heartbeat expires', async () => {
    const emails = Array.from({ length: 50 }, (_, i) => `d${i}@d${i}.example`);
    await aSend(t.db, emails);
    // The dead worker's last beat just before the live one starts (the send's setup may be slow on a loaded
    // machine): its row stays live for 1.5 s from here.
    await joinSendWorkers(t.db, { workerId: 'w-dead', ttlMs: 1_500 });
    const seen = await listLiveSendWorkers(t.db);
    assert.deepEqual(seen.live.map((w) => w.workerId), ['w-dead']);
    const started = Date.now();
    assert.equal(await beatSendWorker(t.db, { workerId: 'w-dead', countedAt: seen.countedAt, ttlMs: 1_500 }), true);
    const alive = worker('w-alive', { perSecond: 20 });
    const times = await received(emails);
    await alive.stop();
    // While w-dead is counted, w-alive has not been counted by it and sends nothing; once the row expires it is
    // alone: 20 at once, then 30 at 20/s, about 1.5 s. Still sharing with the dead one: 10, then 40 at 10/s, 4 s.
    assert.ok(Math.min(...times) - started >= 1_000, 'nothing went out while the dead worker was still counted');
    const span = Math.max(...times) - Math.min(...times);
    assert.ok(span <= 3_000 && span >= 1_000, `the whole rate once the dead worker expired: about 1.5 s, not ${span} ms`);
    assert.deepEqual((await listLiveSendWorkers(t.db)).live, []);
    await leaveSendWorkers(t.db, 'w-dead');
  });

  it('heartbeats: a row stays live while it beats, a beat after expiry asks the worker to join again', async () => {
    await joinSendWorkers(t.db, { workerId: 'w-1', ttlMs: 300 });
    const first = await listLiveSendWorkers(t.db);
    const row = first.live.find((w) => w.workerId === 'w-1')!;
    assert.ok(row.joinedAt >= row.heartbeatAt, 'joined_at is read after the row is committed');
    assert.equal(await beatSendWorker(t.db, { workerId: 'w-1', countedAt: first.countedAt, ttlMs: 300 }), true);
    const second = await listLiveSendWorkers(t.db);
    assert.ok(second.live.find((w) => w.workerId === 'w-1')!.heartbeatAt >= row.joinedAt, 'its heartbeat is the moment it counted as of, after it joined');
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual((await listLiveSendWorkers(t.db)).live, [], 'expired');
    assert.equal(await beatSendWorker(t.db, { workerId: 'w-1', countedAt: second.countedAt, ttlMs: 300 }), false, 'too late: join again');
    await joinSendWorkers(t.db, { workerId: 'w-1', ttlMs: 300 });
    assert.equal((await listLiveSendWorkers(t.db)).live.length, 1);
    await leaveSendWorkers(t.db, 'w-1');
    assert.deepEqual((await listLiveSendWorkers(t.db)).live, []);
  });
});
