/**
 * "Did this person get it?" after the mail left: `GET /api/v1/campaigns/:id/recipients/:contactIdOrEmail` tells
 * what came back about this send (a bounce matched by its VERP address, a delay notice, a complaint, an
 * unsubscribe through the mail's own link), and the progress counts them, delay notices apart from other returned
 * mail. A campaign really sent over loopback SMTP; returned mail uploaded through the API, the one-click link
 * posted as a mailbox provider does.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { arf, dsn, sentCampaign, type SentMessage } from './bounces-intake-support.js';
import { FORM } from './public-fixture.js';
import { system } from './send-support.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

forEachDatabase('campaign recipient after sending', (t) => {
  let sink: SmtpSink;
  let app: FastifyInstance;
  let camp: Awaited<ReturnType<typeof sentCampaign>>;
  let token: string;
  const emails = ['gone@example.net', 'full@example.net', 'angry@example.net', 'leaver@example.net', 'quiet@example.net'];

  before(async () => {
    sink = await startSmtpSink();
    camp = await sentCampaign(t.db, sink, emails.map((email) => ({ email })));
    assert.equal(camp.sent.size, emails.length);
    app = await buildApp({ db: t.db, config: testConfig(), logger: false });
    token = (await createApiToken({ db: t.db, workspaceId: camp.workspaceId, name: 'ops', role: 'editor', actor: system, now: new Date() })).token;
  });
  after(async () => { await app.close(); await sink.close(); });

  const msg = (email: string): SentMessage => camp.sent.get(email)!;
  const auth = () => ({ authorization: `Bearer ${token}` });
  const upload = async (body: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/bounces', headers: { ...auth(), 'content-type': 'message/rfc822' }, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const why = async (email: string) => {
    const res = await app.inject({ url: `/api/v1/campaigns/${camp.campaignId}/recipients/${email}`, headers: auth() });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };

  it('a hard bounce: still sent (submitted), then bounced, with when, the status and the reply', async () => {
    const m = msg('gone@example.net');
    const before = await why(m.email);
    assert.equal(before.state, 'sent');
    assert.deepEqual(before.afterSending, []);
    assert.match(before.summary, /^Sent \(the receiving server took it on .*\); nothing came back since\.$/);

    const reply = '550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown';
    const r = await upload(dsn({ to: m.returnPath, recipient: m.email, status: '5.1.1', diagnostic: reply, originalHeaders: m.headers }));
    assert.equal(r.results[0].recipients[0].match.method, 'verp');
    const after = await why(m.email);
    assert.equal(after.state, 'sent', 'the outbox state is what the server did at the time');
    assert.equal(after.afterSending.length, 1);
    const [e] = after.afterSending;
    assert.deepEqual({ event: e.event, type: e.type, status: e.status, reply: e.reply, effect: e.effect, via: e.via }, { event: 'bounce', type: 'hard', status: '5.1.1', reply, effect: 'suppressed', via: 'upload' });
    assert.ok(!Number.isNaN(Date.parse(e.at)));
    assert.match(after.summary, /^Sent \(the receiving server took it on .*\), then bounced \(hard, 5\.1\.1\) on .*: 550 5\.1\.1 <gone@example\.net>: Recipient address rejected: User unknown\.$/);
  });

  it('a delay notice, then a soft bounce, in order; other recipients are untouched', async () => {
    const m = msg('full@example.net');
    await upload(dsn({ to: m.returnPath, recipient: m.email, status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full', action: 'delayed', originalHeaders: m.headers }));
    await new Promise((r) => setTimeout(r, 5));
    await upload(dsn({ to: m.returnPath, recipient: m.email, status: '4.2.2', diagnostic: '552 4.2.2 Mailbox full, gave up', originalHeaders: m.headers }));
    const a = await why(m.email);
    assert.deepEqual(a.afterSending.map((e: { event: string; type?: string }) => [e.event, e.type ?? null]), [['delay_notice', null], ['bounce', 'soft']]);
    assert.match(a.summary, /then a delay notice on .* \(still being tried\); then bounced \(soft, 4\.2\.2\) on .*: 552 4\.2\.2 Mailbox full, gave up\.$/);
    assert.deepEqual((await why('quiet@example.net')).afterSending, []);
  });

  it('a complaint and an unsubscribe through the mail\'s own link are told, and counted in the progress; a delay notice apart from a delivery report', async () => {
    const angry = msg('angry@example.net');
    await upload(arf({ to: angry.returnPath, recipient: angry.email, feedbackType: 'abuse', originalHeaders: angry.headers }));
    const complained = await why(angry.email);
    assert.deepEqual(complained.afterSending.map((e: { event: string }) => e.event), ['complaint'], 'the complaint\'s own unsubscribe is not told twice');
    assert.match(complained.summary, /then complained \(marked it as spam\) on /);

    const leaver = msg('leaver@example.net');
    const oneClick = /<(https:\/\/[^>]+\/u\/[\w.-]+)>/.exec(leaver.headers.replace(/\r\n\s+/g, ' '))![1];
    const res = await app.inject({ method: 'POST', url: new URL(oneClick).pathname, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    assert.equal(res.statusCode, 200);
    const left = await why(leaver.email);
    assert.deepEqual(left.afterSending.map((e: { event: string; via: string }) => [e.event, e.via]), [['unsubscribe', 'one_click']]);
    assert.match(left.summary, /then unsubscribed through this mail on /);

    // a delivery report is returned mail, but no delay notice
    const quiet = msg('quiet@example.net');
    await upload(dsn({ to: quiet.returnPath, recipient: quiet.email, status: '2.0.0', diagnostic: '250 2.0.0 Ok: delivered to mailbox', action: 'delivered', originalHeaders: quiet.headers }));
    assert.deepEqual((await why(quiet.email)).afterSending.map((e: { event: string; reason: string }) => [e.event, e.reason]), [['returned_mail', 'delivered']]);

    const progress = await app.inject({ url: `/api/v1/campaigns/${camp.campaignId}/send`, headers: auth() });
    assert.equal(progress.statusCode, 200, progress.body);
    assert.equal(progress.json().states.sent, emails.length, 'the outbox states are kept as they are');
    assert.deepEqual(progress.json().afterSending, { hardBounced: 1, softBounced: 1, senderProblems: 0, complained: 1, unsubscribed: 1, delayNotices: 1, otherReturnedMail: 1 });
  });
});
