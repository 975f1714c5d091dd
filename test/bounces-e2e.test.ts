/**
 * Bounce processing end to end, over real SMTP on loopback: a campaign goes to a server that refuses some
 * recipients at RCPT (550 5.1.1) and accepts others whose mailbox then turns out dead, for which a DSN comes
 * back to the VERP return path through the inbound receiver. The suppressions appear, the engine blocks those
 * addresses (eligibility endpoint), and a bad list of over 1,000 recipients trips the circuit breaker.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import nodemailer from 'nodemailer';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { startInboundServer, type InboundServer } from '../src/bounces/intake/inbound-server.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { baseUrl, dsn, secret, sentCampaign } from './bounces-intake-support.js';
import { system } from './send-support.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

forEachDatabase('bounces end to end', (t) => {
  let mx: SmtpSink;
  let inbound: InboundServer;
  let app: FastifyInstance;

  before(async () => {
    // The recipients' mail server: dead-* addresses are refused at once; gone-* are accepted, then bounce later.
    mx = await startSmtpSink({ reject: (rcpt) => (rcpt.startsWith('dead') ? { code: 550, message: '5.1.1 <' + rcpt + '>: Recipient address rejected: User unknown' } : undefined) });
    inbound = await startInboundServer({ db: t.db, secret, port: 0, host: '127.0.0.1', maxMessageBytes: 1024 * 1024 });
    app = await buildApp({ db: t.db, config: testConfig(), logger: false });
  });
  after(async () => { await app.close(); await inbound.close(); await mx.close(); });

  async function returnToSender(options: { from: string; to: string; raw: string }) {
    const transport = nodemailer.createTransport({ host: inbound.host, port: inbound.port, secure: false, ignoreTLS: true });
    try {
      return await transport.sendMail({ envelope: { from: options.from, to: [options.to] }, raw: options.raw });
    } finally {
      transport.close();
    }
  }

  it('refusals at RCPT and DSNs through the receiver suppress; the engine blocks those addresses', async () => {
    const emails = ['ok1@example.net', 'dead1@example.net', 'gone1@example.org', 'ok2@example.net', 'dead2@example.org', 'gone2@example.net'];
    const camp = await sentCampaign(t.db, mx, emails.map((email) => ({ email })));
    const token = (await createApiToken({ db: t.db, workspaceId: camp.workspaceId, name: 'ops', role: 'editor', actor: system, now: new Date() })).token;
    const eligibility = async (email: string) => {
      const id = camp.ids[emails.indexOf(email)];
      const res = await app.inject({ method: 'GET', url: `/api/v1/contacts/${id}/eligibility?channel=email&purpose=marketing`, headers: { authorization: `Bearer ${token}` } });
      return res.json().verdict as string;
    };
    assert.deepEqual([...camp.sent.keys()].sort(), ['gone1@example.org', 'gone2@example.net', 'ok1@example.net', 'ok2@example.net']);

    // The MX accepted gone-*; now their mailboxes bounce, and the DSN goes to the message's VERP return path.
    for (const email of ['gone1@example.org', 'gone2@example.net']) {
      const m = camp.sent.get(email)!;
      const info = await returnToSender({ from: 'mailer-daemon@mx.example.net', to: m.returnPath, raw: dsn({ to: m.returnPath, recipient: email, status: '5.1.1', diagnostic: `550 5.1.1 <${email}>: mailbox unavailable`, originalHeaders: m.headers }) });
      assert.match(info.response, /^250 /);
    }
    // The receiver takes mail only for return-path domains.
    await assert.rejects(returnToSender({ from: 'x@example.net', to: 'someone@not-ours.example', raw: 'From: x@example.net\r\nSubject: hi\r\n\r\nhello\r\n' }), /550/);

    for (const email of emails) {
      const expected = email.startsWith('ok') ? 'send' : 'block';
      assert.equal(await eligibility(email), expected, email);
    }
    const reasons = await t.db.selectFrom('suppressions').innerJoin('contacts', 'contacts.id', 'suppressions.contact_id')
      .select(['contacts.email', 'suppressions.reason']).where('suppressions.workspace_id', '=', camp.workspaceId).orderBy('contacts.email').execute();
    assert.deepEqual(reasons, ['dead1@example.net', 'dead2@example.org', 'gone1@example.org', 'gone2@example.net'].map((email) => ({ email, reason: 'hard_bounce' })));
    const sources = await t.db.selectFrom('returned_mail').select(['source', 'outcome']).where('workspace_id', '=', camp.workspaceId).orderBy('id').execute();
    assert.deepEqual(sources.map((s) => `${s.source}:${s.outcome}`).sort(), ['sending:acted', 'sending:acted', 'smtp:acted', 'smtp:acted']);
  });

  it('a bad list trips the circuit breaker: the campaign pauses itself, the reason is visible, the operator resumes', async () => {
    // 1,500 recipients, one in eight refused as unknown (12.5%): the breaker may judge from the 1,000th send.
    const specs = Array.from({ length: 1500 }, (_, i) => ({ email: `${i % 8 === 3 ? 'dead' : 'live'}-${i}@example.net` }));
    const camp = await sentCampaign(t.db, mx, specs, { connections: 8 });
    const token = (await createApiToken({ db: t.db, workspaceId: camp.workspaceId, name: 'ops', role: 'editor', actor: system, now: new Date() })).token;
    const call = async (method: 'GET' | 'POST', url: string) => {
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
      return { status: res.statusCode, body: res.json() };
    };
    const send = await t.db.selectFrom('sends').select('status').where('id', '=', camp.sendId).executeTakeFirstOrThrow();
    assert.equal(send.status, 'paused');
    const campaign = await t.db.selectFrom('campaigns').select('status').where('id', '=', camp.campaignId).executeTakeFirstOrThrow();
    assert.equal(campaign.status, 'paused');
    const left = await t.db.selectFrom('send_recipients').select((eb) => eb.fn.countAll<number>().as('n')).where('send_id', '=', camp.sendId).where('state', '=', 'queued').executeTakeFirstOrThrow();
    assert.ok(Number(left.n) > 0, 'recipients are left unsent');

    const trips = await call('GET', '/api/v1/bounces/circuit-breaker');
    assert.equal(trips.body.items.length, 1);
    const trip = trips.body.items[0];
    assert.equal(trip.sendId, camp.sendId);
    assert.equal(trip.reason, 'hard_bounce_rate');
    assert.ok(trip.sends >= 1000, `judged over ${trip.sends} sends`);
    assert.ok(trip.rate > 0.05 && trip.hardBounces / trip.sends === trip.rate);
    assert.match(trip.explanation, /hard-bounce rate .*% passed the limit of 5\.0%/);

    const resumed = await call('POST', `/api/v1/bounces/circuit-breaker/${camp.sendId}/resume`);
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal((await t.db.selectFrom('sends').select('status').where('id', '=', camp.sendId).executeTakeFirstOrThrow()).status, 'sending');
    assert.equal((await call('POST', `/api/v1/bounces/circuit-breaker/${camp.sendId}/resume`)).status, 409, 'resumed once');
    const after = (await call('GET', '/api/v1/bounces/circuit-breaker')).body.items[0];
    assert.ok(after.resumedAt, 'the resume is kept beside the reason');

    // Resumed, the send runs to its end: the breaker does not trip a second time on figures already seen.
    const worker = startSendWorker({ db: t.db, workerId: 'w-resume', smtp: { host: mx.host, port: mx.port }, connections: 8, batchSize: 200, leaseMs: 60_000, pollMs: 10, secret, baseUrl, random: () => 0.5 }, { loop: false });
    while ((await worker.runOnce()) > 0);
    await worker.stop();
    const states = await t.db.selectFrom('send_recipients').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).where('send_id', '=', camp.sendId).groupBy('state').execute();
    const byState = Object.fromEntries(states.map((s) => [s.state, Number(s.n)]));
    assert.deepEqual(byState, { sent: 1500 - 188, bounced: 188 });
    assert.equal((await t.db.selectFrom('sends').select('status').where('id', '=', camp.sendId).executeTakeFirstOrThrow()).status, 'done');
  });
});
