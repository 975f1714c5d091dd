// Scheduled sends through HTTP, on a clock the test moves (no waiting for real time): a campaign whose
// `scheduledAt` is ahead is scheduled with the acknowledgement recorded then; the running send worker starts it
// when due and not before, with the audience as it is at that moment; it can be moved or cancelled before it
// starts; a past time starts at once; a start the gate refuses ends the schedule with the reason.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { startSendScheduler } from '../src/campaigns/send-scheduler.js';
import { claimDueSchedules } from '../src/campaigns/schedules.repository.js';
import { startSend } from '../src/campaigns/start-send.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { caller, testWorkspace, type Call } from './support/api.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const baseUrl = 'https://lists.shop.example';
const MIN = 60_000;

forEachDatabase('campaign schedule', (t) => {
  let app: FastifyInstance;
  let sink: SmtpSink;
  const config = testConfig({ baseUrl });
  // The clock of the app and the scheduler: each test sets it an hour behind the real one, so that the outbox
  // rows it dates are due for the send worker (which claims by the database clock).
  let clock = new Date();
  const rewind = () => { clock = new Date(Date.now() - 60 * MIN); return clock; };
  const at = (minutes: number, from: Date) => new Date(from.getTime() + minutes * MIN);

  before(async () => {
    app = await buildApp({ db: t.db, config, logger: false, tokenCacheMs: 0, now: () => clock });
    sink = await startSmtpSink();
  });
  after(async () => { await app.close(); await sink.close(); });

  async function setUp(prefix: string, scheduledAt?: Date) {
    const ws = await aWorkspace(t.db);
    const editor = await createApiToken({ db: t.db, workspaceId: ws.workspaceId, name: 'editor', role: 'editor', actor: system, now: new Date() });
    const call = caller(app, editor.token);
    const contactIds = await someContacts(t.db, ws, [{ email: `${prefix}-ann@example.net` }, { email: `${prefix}-bob@example.net` }, { email: `${prefix}-cy@example.net`, consent: 'none' }]);
    const created = await call('POST', '/api/v1/campaigns', {
      name: `Scheduled ${prefix}`, purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hello', html: '<p>Hello</p>',
      ...(scheduledAt ? { scheduledAt: scheduledAt.toISOString() } : {}),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { ws, call, campaignId: created.body.id as string, tokenId: editor.id, contactIds };
  }
  const received = (prefix: string) => sink.messages.map((m) => m.to[0]).filter((to) => to.startsWith(`${prefix}-`)).sort();
  const scheduler = () => startSendScheduler({ db: t.db, workerId: 'sched-test', secret: config.secretKey, baseUrl, pollMs: 10, now: () => clock, loop: false });
  const drain = async () => {
    const w = startSendWorker({ db: t.db, workerId: 'w-drain', smtp: { host: sink.host, port: sink.port }, connections: 2, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret: config.secretKey, baseUrl }, { loop: false });
    while ((await w.runOnce()) > 0);
    await w.stop();
  };

  it('is not sent before its time, and is sent after it by the running worker to the audience of that moment', async () => {
    const acknowledgedAt = rewind();
    const scheduledAt = at(10, acknowledgedAt);
    const { ws, call, campaignId, tokenId } = await setUp('due', scheduledAt);
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/send`, {})).status, 400, 'scheduling needs the acknowledgement too');
    const scheduled = await call('POST', `/api/v1/campaigns/${campaignId}/send`, { acknowledge: true });
    assert.equal(scheduled.status, 202, JSON.stringify(scheduled.body));
    assert.equal(scheduled.body.status, 'scheduled');
    assert.equal(scheduled.body.scheduledAt, scheduledAt.toISOString());
    assert.equal(scheduled.body.acknowledgedBy, `token:${tokenId}`);
    assert.equal(scheduled.body.acknowledgedAt, acknowledgedAt.toISOString());
    assert.deepEqual(scheduled.body.audienceNow.byVerdict, { send: 2, block: 1 });
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}`)).body.status, 'scheduled');
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}/send`)).status, 404, 'no send exists yet');
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/send`, { acknowledge: true })).status, 409, 'already scheduled');

    // The worker runs as in `serve`: the scheduler and the send worker both polling.
    const loops = startSendScheduler({ db: t.db, workerId: 'sched-loop', secret: config.secretKey, baseUrl, pollMs: 10, now: () => clock });
    const worker = startSendWorker({ db: t.db, workerId: 'w-loop', smtp: { host: sink.host, port: sink.port }, connections: 2, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret: config.secretKey, baseUrl });
    try {
      clock = at(9, acknowledgedAt);
      assert.equal(await scheduler().runOnce(), 0, 'not due a minute early');
      await new Promise((r) => setTimeout(r, 100)); // several rounds of the running loops
      assert.deepEqual(received('due'), []);
      assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}/schedule`)).body.status, 'pending');

      // Someone joins the list after scheduling: the audience is read when the send starts.
      await someContacts(t.db, ws, [{ email: 'due-dan@example.net' }]);
      clock = at(10, acknowledgedAt);
      await sink.waitFor(sink.messages.length + 3 - received('due').length, 20_000);
      await new Promise((r) => setTimeout(r, 100)); // nothing more may arrive
      assert.deepEqual(received('due'), ['due-ann@example.net', 'due-bob@example.net', 'due-dan@example.net']);
    } finally {
      await loops.stop();
      await worker.stop();
    }
    const schedule = (await call('GET', `/api/v1/campaigns/${campaignId}/schedule`)).body;
    assert.equal(schedule.status, 'started');
    const send = (await call('GET', `/api/v1/campaigns/${campaignId}/send`)).body;
    assert.equal(send.sendId, schedule.sendId);
    assert.equal(send.acknowledgedBy, `token:${tokenId}`, 'the send carries the acknowledgement given when it was scheduled');
    assert.equal(send.acknowledgedAt, acknowledgedAt.toISOString());
    assert.deepEqual(send.states, { sent: 3, blocked: 1 });
  });

  it('can be cancelled before it starts: nothing is sent, the campaign is a draft again, and a past time then starts at once', async () => {
    const start = rewind();
    const { call, campaignId } = await setUp('cancel', at(20, start));
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/send`, { acknowledge: true })).body.status, 'scheduled');
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/pause`)).status, 409, 'nothing to pause before the start');
    const cancelled = await call('POST', `/api/v1/campaigns/${campaignId}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.deepEqual({ status: cancelled.body.status, campaignStatus: cancelled.body.campaignStatus }, { status: 'cancelled', campaignStatus: 'draft' });
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}`)).body.status, 'draft');
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}/schedule`)).body.status, 'cancelled');
    const again = await call('POST', `/api/v1/campaigns/${campaignId}/cancel`);
    assert.equal(again.status, 409, 'nothing left to cancel');
    assert.equal(again.body.error.message, 'The campaign has not been sent yet: there is no send to cancel.');

    clock = at(21, start);
    assert.equal(await scheduler().runOnce(), 0, 'a cancelled schedule never starts');
    await drain();
    assert.deepEqual(received('cancel'), []);

    // Its scheduledAt is now past: sending starts at once.
    const now = await call('POST', `/api/v1/campaigns/${campaignId}/send`, { acknowledge: true });
    assert.equal(now.status, 202);
    assert.equal(now.body.status, 'sending');
    assert.equal(now.body.queued, 2);
    await drain();
    assert.deepEqual(received('cancel'), ['cancel-ann@example.net', 'cancel-bob@example.net']);
  });

  it('can be moved before it starts, by /reschedule or by editing scheduledAt', async () => {
    const start = rewind();
    const { call, campaignId } = await setUp('move', at(30, start));
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/reschedule`, { scheduledAt: at(40, start).toISOString() })).status, 409, 'a draft has nothing to move');
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/send`, { acknowledge: true })).body.status, 'scheduled');
    const moved = await call('POST', `/api/v1/campaigns/${campaignId}/reschedule`, { scheduledAt: at(40, start).toISOString() });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}`)).body.scheduledAt, at(40, start).toISOString(), 'the campaign follows');
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/reschedule`, { scheduledAt: 'tomorrow' })).status, 400);

    clock = at(31, start);
    assert.equal(await scheduler().runOnce(), 0, 'the old time no longer counts');
    const campaign = (await call('GET', `/api/v1/campaigns/${campaignId}`)).body;
    const { id: _id, workspaceId: _w, status: _s, createdAt: _c, updatedAt: _u, ...fields } = campaign;
    const edited = await call('PUT', `/api/v1/campaigns/${campaignId}`, { ...fields, subject: 'Hello again', scheduledAt: at(50, start).toISOString() });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    const { scheduledAt: _drop, ...unscheduled } = fields;
    const refused = await call('PUT', `/api/v1/campaigns/${campaignId}`, unscheduled);
    assert.equal(refused.status, 400, 'a scheduled campaign keeps a time');
    assert.equal(refused.body.error.issues[0].path, 'scheduledAt');

    clock = at(41, start);
    assert.equal(await scheduler().runOnce(), 0, 'edited to 50 minutes');
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}/schedule`)).body.scheduledAt, at(50, start).toISOString());
    clock = at(50, start);
    assert.equal(await scheduler().runOnce(), 1);
    await drain();
    assert.deepEqual(received('move'), ['move-ann@example.net', 'move-bob@example.net']);
    const subjects = await Promise.all(sink.messages.map((m, i) => (m.to[0].startsWith('move-') ? sink.parse(i).then((p) => p.subject) : undefined)));
    assert.deepEqual(subjects.filter(Boolean), ['Hello again', 'Hello again'], 'the campaign as it was when the send started');
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/reschedule`, { scheduledAt: at(60, start).toISOString() })).status, 409, 'too late: it started');
  });

  it('a start the gate refuses ends the schedule with the reason and the campaign back in draft', async () => {
    const start = rewind();
    const { ws, call, campaignId } = await setUp('refused', at(5, start));
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/send`, { acknowledge: true })).body.status, 'scheduled');
    await t.db.deleteFrom('list_memberships').where('list_id', '=', ws.listId).execute();
    clock = at(6, start);
    assert.equal(await scheduler().runOnce(), 0);
    const schedule = (await call('GET', `/api/v1/campaigns/${campaignId}/schedule`)).body;
    assert.equal(schedule.status, 'failed');
    assert.match(schedule.error, /Nobody is on the campaign's lists or in its segments\./);
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}`)).body.status, 'draft');
    assert.equal(await scheduler().runOnce(), 0, 'tried once');
  });

  it('a start already under way when the send is moved does not commit, and two workers never both start it', async () => {
    const start = rewind();
    const { ws, call, campaignId } = await setUp('race', at(5, start));
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/send`, { acknowledge: true })).body.status, 'scheduled');
    clock = at(5, start);
    const [claimed] = await claimDueSchedules(t.db, { claim: 'w-slow:1', now: clock, leaseMs: 60_000, limit: 10 });
    assert.equal(claimed?.campaign_id, campaignId);
    assert.equal((await claimDueSchedules(t.db, { claim: 'w-other:1', now: clock, leaseMs: 60_000, limit: 10 })).length, 0, 'claimed once');
    // While the first worker evaluates the audience, the operator moves the send to later.
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/reschedule`, { scheduledAt: at(30, start).toISOString() })).status, 200);
    const late = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId, actor: system, acknowledged: true, secret: config.secretKey, baseUrl, now: clock,
      schedule: { id: claimed.id, claim: 'w-slow:1', acknowledgedBy: claimed.acknowledged_by, acknowledgedAt: claimed.acknowledged_at } });
    assert.equal(late.ok, false);
    assert.equal(late.ok ? '' : late.error.code, 'conflict');
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}`)).body.status, 'scheduled', 'rolled back whole');
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}/send`)).status, 404, 'no send row left behind');
    clock = at(30, start);
    const rounds = await Promise.all([scheduler().runOnce(), scheduler().runOnce()]);
    assert.equal(rounds[0] + rounds[1], 1, 'two workers, one start');
    await drain();
    assert.deepEqual(received('race'), ['race-ann@example.net', 'race-bob@example.net']);
  });

  it('is refused at scheduling time when the gate fails now, and another workspace cannot see or touch it', async () => {
    const start = rewind();
    const { call, campaignId } = await setUp('gate', at(15, start));
    const campaign = (await call('GET', `/api/v1/campaigns/${campaignId}`)).body;
    const { id: _id, workspaceId: _w, status: _s, createdAt: _c, updatedAt: _u, ...fields } = campaign;
    assert.equal((await call('PUT', `/api/v1/campaigns/${campaignId}`, { ...fields, subject: '' })).status, 200);
    const refused = await call('POST', `/api/v1/campaigns/${campaignId}/send`, { acknowledge: true });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /subject/i);
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}/schedule`)).status, 404);
    assert.equal((await call('PUT', `/api/v1/campaigns/${campaignId}`, { ...fields })).status, 200);
    assert.equal((await call('POST', `/api/v1/campaigns/${campaignId}/send`, { acknowledge: true })).body.status, 'scheduled');

    const stranger = caller(app, (await testWorkspace(t.db, 'Stranger')).tokens.owner);
    assert.equal((await stranger('GET', `/api/v1/campaigns/${campaignId}/schedule`)).status, 404);
    assert.equal((await stranger('POST', `/api/v1/campaigns/${campaignId}/reschedule`, { scheduledAt: start.toISOString() })).status, 404);
    assert.equal((await stranger('POST', `/api/v1/campaigns/${campaignId}/cancel`)).status, 404);
    assert.equal((await call('GET', `/api/v1/campaigns/${campaignId}/schedule`)).body.status, 'pending');
  });
});
