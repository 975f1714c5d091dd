/**
 * "Why did (or didn't) this person get it?" for every place a recipient can stand in the outbox, through
 * `GET /api/v1/campaigns/:id/recipients/:contactIdOrEmail`: waiting, being sent, a worker that stopped, a temporary
 * refusal (with the reply, the attempts, the next due time and when it would be given up), an unreachable mail
 * server, held back by the rate limit, sent at a later attempt, given up, refused (5xx), blocked at the start or at
 * the recheck (after being held back), paused and cancelled. Real send workers against a loopback SMTP sink; the
 * due time of a row is moved to now where the test stands for time passing.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createApiToken } from '../src/auth/create-api-token.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { testConfig } from '../src/config.js';
import { claimRecipients } from '../src/sending/outbox.repository.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../src/sending/retry-policy.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import type { PacingLimits } from '../src/sending/pacing.js';
import { buildApp } from '../src/server/app.js';
import { aWorkspace, someContacts, system, type ContactSpec } from './send-support.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const secret = testConfig().secretKey;
const baseUrl = 'https://lists.shop.example';
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

forEachDatabase('campaign recipient outbox states', (t) => {
  let sink: SmtpSink;
  let app: FastifyInstance;
  // `later@` is refused once, then taken; `busy@` always answers 451; `gone@` 550
  const refusedOnce = new Set<string>();
  before(async () => {
    sink = await startSmtpSink({
      reject: (rcpt) => {
        if (rcpt.startsWith('busy@')) return { code: 451, message: '4.7.1 try later' };
        if (rcpt.startsWith('gone@')) return { code: 550, message: '5.1.1 User unknown' };
        if (rcpt.startsWith('later@') && !refusedOnce.has(rcpt)) { refusedOnce.add(rcpt); return { code: 421, message: '4.3.2 busy, come back' }; }
        return undefined;
      },
    });
    app = await buildApp({ db: t.db, config: testConfig(), logger: false });
  });
  after(async () => { await app.close(); await sink.close(); });

  /** A campaign started (audience judged, outbox written) for these contacts, and an editor's token. */
  async function started(specs: ContactSpec[]) {
    const ws = await aWorkspace(t.db);
    const ids = await someContacts(t.db, ws, specs);
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: `Why ${randomBytes(2).toString('hex')}`, purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>',
    } });
    if (!created.ok) throw created.error;
    const s = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
    if (!s.ok) throw s.error;
    const token = (await createApiToken({ db: t.db, workspaceId: ws.workspaceId, name: 'ops', role: 'editor', actor: system, now: new Date() })).token;
    const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload });
      return { status: res.statusCode, body: res.json() };
    };
    const why = async (email: string) => {
      const r = await call('GET', `/api/v1/campaigns/${created.value.id}/recipients/${email}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    return { ...ws, ids, campaignId: created.value.id, sendId: s.value.sendId, call, why };
  }

  async function runWorker(o: { port?: number; pacing?: PacingLimits; retry?: RetryPolicy; rounds?: number } = {}) {
    const worker = startSendWorker({ db: t.db, workerId: `w-${randomBytes(3).toString('hex')}`, smtp: { host: '127.0.0.1', port: o.port ?? sink.port }, connections: 2, batchSize: 10,
      leaseMs: 30_000, pollMs: 10, secret, baseUrl, random: () => 0.5, pacing: o.pacing, retry: o.retry }, { loop: false });
    try {
      for (let i = 0; i < (o.rounds ?? 1); i++) await worker.runOnce();
    } finally {
      await worker.stop();
    }
  }

  /** Time passes: the row is due now. */
  const dueNow = (sendId: number, email: string) => sql`update send_recipients set next_attempt_at = now() where send_id = ${sendId} and email = ${email}`.execute(t.db);

  it('a temporary refusal: the reply, when, the attempts so far, the next due time and when it would be given up; then given up', async () => {
    const c = await started([{ email: 'busy@example.net' }, { email: 'later@example.net' }]);
    const t0 = Date.now();
    await runWorker();
    const w = await c.why('busy@example.net');
    assert.deepEqual([w.state, w.stage, w.attempts, w.lastReply, w.sendStatus], ['queued', 'retrying', 1, '451 4.7.1 try later', 'sending']);
    assert.ok(Date.parse(w.lastReplyAt) >= t0 - 1000 && Date.parse(w.lastReplyAt) <= Date.now() + 1000, w.lastReplyAt);
    // random 0.5: the first wait is the policy's base, one minute
    const due = Date.parse(w.nextAttemptAt);
    assert.ok(due > Date.now() + 50_000 && due < Date.now() + 70_000, w.nextAttemptAt);
    // after attempt 1, attempts 2 … 8 are due with waits of 2, 4, 8, 16, 32, 64 minutes between them: 126 minutes
    assert.equal(DEFAULT_RETRY.maxAttempts, 8);
    const span = 126 * 60_000;
    assert.deepEqual(w.givesUp, { afterAttempt: 8, earliest: new Date(due + span * 0.75).toISOString(), latest: new Date(due + span * 1.25).toISOString() });
    assert.equal(w.summary, `Not sent yet: attempt 1 on ${w.lastReplyAt} got a temporary refusal from the mail server: 451 4.7.1 try later (1 attempt so far); `
      + `the next attempt is due on ${w.nextAttemptAt}; if every attempt fails with a temporary error, it is given up after attempt 8, due between ${w.givesUp.earliest} and ${w.givesUp.latest}.`);

    // later@ was refused once too; due again, it is taken at its second attempt
    assert.equal((await c.why('later@example.net')).stage, 'retrying');
    await dueNow(c.sendId, 'later@example.net');
    await dueNow(c.sendId, 'busy@example.net');
    // a policy of two attempts: busy@'s second 451 gives up
    await runWorker({ retry: { baseMs: 1, maxMs: 1, maxAttempts: 2 } });
    const sent = await c.why('later@example.net');
    assert.deepEqual([sent.state, sent.stage, sent.attempts, sent.nextAttemptAt, sent.givesUp], ['sent', 'sent', 2, null, null]);
    assert.equal(sent.summary, `Sent (the receiving server took it on ${sent.sentAt}, at attempt 2); nothing came back since.`);
    const gaveUp = await c.why('busy@example.net');
    assert.deepEqual([gaveUp.state, gaveUp.stage, gaveUp.attempts, gaveUp.nextAttemptAt], ['retry_exhausted', 'gave_up', 2, null]);
    assert.equal(gaveUp.summary, `Not sent: given up after 2 attempts that each failed with a temporary error; the last, on ${gaveUp.lastReplyAt}, got a temporary refusal from the mail server: 451 4.7.1 try later.`);
  });

  it('an outgoing mail server that cannot be reached: the connection error, and the next attempt', { timeout: 30_000 }, async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const c = await started([{ email: 'ann@example.net' }]);
    await runWorker({ port });
    const w = await c.why('ann@example.net');
    assert.deepEqual([w.stage, w.attempts, w.givesUp?.afterAttempt], ['retrying', 1, 8]);
    assert.match(w.lastReply, new RegExp(`^connect: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    assert.match(w.summary, new RegExp(`^Not sent yet: attempt 1 on ${ISO} could not reach the outgoing mail server \\(${esc(w.lastReply)}\\) \\(1 attempt so far\\); the next attempt is due on ${esc(w.nextAttemptAt)}; if every attempt fails with a temporary error, it is given up after attempt 8, due between `));
  });

  it('held back by the rate limit (when, and due when), then blocked at the recheck: the block is the story, the hold an earlier step', async () => {
    const c = await started([{ email: 'one@paced.example' }, { email: 'two@paced.example' }]);
    await runWorker({ pacing: { perDomainPerMinute: 1 } });
    const rows = await Promise.all(['one@paced.example', 'two@paced.example'].map((e) => c.why(e)));
    const held = rows.find((r) => r.state === 'queued');
    assert.ok(held, JSON.stringify(rows.map((r) => r.summary)));
    assert.deepEqual([held.stage, held.attempts, held.lastReply, held.givesUp], ['held_back', 0, 'held back by the sending rate limit', null]);
    assert.ok(Date.parse(held.nextAttemptAt) > Date.parse(held.lastReplyAt));
    assert.equal(held.summary, `Not sent yet: it was held back by the sending rate limit on ${held.lastReplyAt} (that does not count as an attempt); the next attempt is due on ${held.nextAttemptAt}.`);

    // the person unsubscribes meanwhile; when the message is due again, the recheck blocks it
    const suppressed = await c.call('POST', '/api/v1/suppressions', { email: held.email, reason: 'unsubscribe' });
    assert.equal(suppressed.status, 201, JSON.stringify(suppressed.body));
    await dueNow(c.sendId, held.email);
    const before = sink.messages.length;
    await runWorker();
    assert.equal(sink.messages.length, before, 'nothing sent');
    const blocked = await c.why(held.email);
    assert.deepEqual([blocked.state, blocked.stage, blocked.beforeSending.verdict, blocked.nextAttemptAt], ['blocked', 'blocked_at_recheck', 'block', null]);
    const reason = blocked.beforeSending.reasons.find((r: { effect: string }) => r.effect === 'block');
    assert.equal(reason.code, 'suppressed');
    assert.ok(Date.parse(blocked.blockedAt) > Date.parse(blocked.lastReplyAt), 'the hold came before the block');
    assert.equal(blocked.summary, `Not sent: allowed when the send started, then blocked at the recheck just before sending on ${blocked.blockedAt}. Why: ${reason.text} `
      + `Before that, it was held back by the sending rate limit on ${blocked.lastReplyAt} (that does not count as an attempt).`);
    assert.ok(!blocked.summary.startsWith('Not sent yet'), 'the hold is not the story');
  });

  it('refused for good during sending (5xx), and blocked when the send started: each with when and why', async () => {
    const c = await started([{ email: 'gone@example.net' }, { email: 'nope@example.net', consent: 'none' }]);
    await runWorker();
    const gone = await c.why('gone@example.net');
    assert.deepEqual([gone.state, gone.stage, gone.attempts, gone.lastReply], ['bounced', 'bounced', 1, '550 5.1.1 User unknown']);
    assert.deepEqual(gone.afterSending.map((e: { event: string; via: string }) => [e.event, e.via]), [['bounce', 'sending']], 'the refusal is still listed');
    assert.equal(gone.summary, `Not sent: the mail server refused it during sending on ${gone.lastReplyAt}, at attempt 1 (hard bounce, 5.1.1: the address is now suppressed): 550 5.1.1 User unknown.`);

    const nope = await c.why('nope@example.net');
    const progress = await c.call('GET', `/api/v1/campaigns/${c.campaignId}/send`);
    assert.deepEqual([nope.state, nope.stage, nope.beforeSending, nope.attempts], ['blocked', 'blocked_at_start', null, 0]);
    const reason = nope.atStart.reasons.find((r: { effect: string }) => r.effect === 'block');
    assert.equal(reason.code, 'no_consent');
    const startedAt = (await t.db.selectFrom('sends').select('created_at').where('id', '=', c.sendId).executeTakeFirstOrThrow()).created_at;
    assert.equal(nope.blockedAt, new Date(startedAt).toISOString());
    // every reason that blocked, each once, as its sentence
    const texts = [...new Set(nope.atStart.reasons.filter((r: { effect: string }) => r.effect === 'block').map((r: { text: string }) => r.text))];
    assert.ok(texts.length >= 1 && texts.includes(reason.text));
    assert.equal(nope.summary, `Not sent: blocked when the send started on ${nope.blockedAt}. Why: ${texts.join(' ')}`);
    assert.deepEqual(progress.body.states, { bounced: 1, blocked: 1 });
  });

  it('waiting, being sent, a worker that stopped mid-attempt, paused, then cancelled', async () => {
    const c = await started([{ email: 'ann@example.net' }, { email: 'bob@example.net' }, { email: 'cat@example.net' }]);
    const ann = await c.why('ann@example.net');
    assert.deepEqual([ann.stage, ann.attempts, ann.lastReply, ann.givesUp], ['waiting', 0, null, null]);
    assert.equal(ann.summary, `Waiting in the outbox, not tried yet: it goes out when a send worker reaches it (due since ${ann.nextAttemptAt}).`);

    // a worker has one in hand (a lease of a minute), and had another whose lease ran out: that worker stopped
    const [a] = await claimRecipients(t.db, { claim: 'test-worker/1', sendId: c.sendId, limit: 1, leaseMs: 60_000 });
    const [b] = await claimRecipients(t.db, { claim: 'test-worker/2', sendId: c.sendId, limit: 1, leaseMs: 1 });
    // outbox order is not the address order: name them by what happened to them
    const [inHandEmail, lapsedEmail] = [a.email, b.email];
    const restEmail = ['ann@example.net', 'bob@example.net', 'cat@example.net'].find((e) => e !== a.email && e !== b.email)!;
    await new Promise((r) => setTimeout(r, 20));
    const inHand = await c.why(inHandEmail);
    assert.equal(inHand.stage, 'being_sent');
    assert.match(inHand.summary, new RegExp(`^Being sent now: attempt 1, claimed by a send worker until ${ISO} at the latest\\.$`));
    const lapsed = await c.why(lapsedEmail);
    assert.equal(lapsed.stage, 'interrupted');
    assert.match(lapsed.summary, new RegExp(`^Not sent yet: attempt 1 was under way, but the send worker stopped \\(its claim ran out on ${ISO}\\); the message goes back to the queue and is tried again\\.$`));

    assert.equal((await c.call('POST', `/api/v1/campaigns/${c.campaignId}/pause`)).body.status, 'paused');
    const audit = await t.db.selectFrom('audit_log').select('at').where('action', '=', 'campaign.send_pause').where('target_id', '=', c.campaignId).executeTakeFirstOrThrow();
    const pausedAt = new Date(audit.at).toISOString();
    const cat = await c.why(restEmail);
    assert.deepEqual([cat.stage, cat.sendStatus], ['paused', 'paused']);
    assert.equal(cat.summary, `Not sent yet: the send was paused on ${pausedAt}; this message waits in the outbox and goes out once the send is resumed.`);
    // a worker's round puts the lapsed one back (its claim ran out) and claims nothing while the send is paused
    await runWorker();
    const back = await c.why(lapsedEmail);
    assert.deepEqual([back.state, back.stage, back.attempts], ['queued', 'paused', 1]);
    assert.equal(back.summary, `Not sent yet: the send was paused on ${pausedAt}; this message waits in the outbox and goes out once the send is resumed; `
      + `before the pause, attempt 1 on ${back.lastReplyAt} was interrupted: the send worker stopped before the mail server answered (1 attempt so far).`);

    assert.equal((await c.call('POST', `/api/v1/campaigns/${c.campaignId}/cancel`)).body.status, 'cancelled');
    const finishedAt = new Date((await t.db.selectFrom('sends').select('finished_at').where('id', '=', c.sendId).executeTakeFirstOrThrow()).finished_at!).toISOString();
    const cancelled = await c.why(restEmail);
    assert.deepEqual([cancelled.state, cancelled.stage, cancelled.nextAttemptAt], ['cancelled', 'cancelled', null]);
    assert.equal(cancelled.summary, `Not sent: the send was cancelled on ${finishedAt} before this message went out.`);
    assert.equal((await c.why(lapsedEmail)).summary, `Not sent: the send was cancelled on ${finishedAt} before this message went out; `
      + `before that, attempt 1 on ${back.lastReplyAt} was interrupted: the send worker stopped before the mail server answered.`);
  });
});
