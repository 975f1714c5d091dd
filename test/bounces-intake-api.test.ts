/**
 * Intake through the API (`POST /api/v1/bounces`, .eml and mbox) on a campaign really sent over loopback SMTP:
 * matching by VERP and by Message-ID, each action (hard, soft threshold, sender problem, complaint, opt-out),
 * idempotent re-upload, unmatched mail kept and shown, and no match across workspaces.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createApiToken } from '../src/auth/create-api-token.js';
import { buildApp } from '../src/server/app.js';
import { testConfig } from '../src/config.js';
import { arf, dsn, sentCampaign, type SentMessage } from './bounces-intake-support.js';
import { system } from './send-support.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import type { FastifyInstance } from 'fastify';

forEachDatabase('bounce intake API', (t) => {
  let sink: SmtpSink;
  let app: FastifyInstance;
  let camp: Awaited<ReturnType<typeof sentCampaign>>;
  let token: string;
  const emails = ['hard@example.net', 'soft@example.net', 'policy@example.net', 'angry@example.net', 'leave@example.net', 'fine@example.net', 'fwd@example.net'];

  before(async () => {
    sink = await startSmtpSink();
    camp = await sentCampaign(t.db, sink, emails.map((email) => ({ email })));
    assert.equal(camp.sent.size, emails.length, 'every message went out');
    app = await buildApp({ db: t.db, config: testConfig(), logger: false });
    token = (await createApiToken({ db: t.db, workspaceId: camp.workspaceId, name: 'ops', role: 'admin', actor: system, now: new Date() })).token;
  });
  after(async () => { await app.close(); await sink.close(); });

  const msg = (email: string): SentMessage => camp.sent.get(email)!;
  const upload = async (body: string, options: { type?: string; as?: string } = {}) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/bounces', headers: { authorization: `Bearer ${options.as ?? token}`, 'content-type': options.type ?? 'message/rfc822' }, payload: body });
    return { status: res.statusCode, body: res.json() };
  };
  const get = async (url: string, as = token) => (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${as}` } })).json();
  const suppressions = (contactId: string) => t.db.selectFrom('suppressions').select(['reason', 'scope']).where('contact_id', '=', contactId).where('lifted_at', 'is', null).execute();
  const verdict = async (contactId: string) => (await get(`/api/v1/contacts/${contactId}/eligibility?channel=email&purpose=marketing`)).verdict;

  it('a hard bounce delivered to the VERP address suppresses at once; the engine then blocks the address', async () => {
    const m = msg('hard@example.net');
    assert.equal(await verdict(m.contactId), 'send');
    const mail = dsn({ to: m.returnPath, recipient: m.email, status: '5.1.1', diagnostic: '550 5.1.1 <hard@example.net>: Recipient address rejected: User unknown', originalHeaders: m.headers });
    const r = await upload(mail);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.results[0].outcome, 'acted');
    assert.deepEqual(r.body.results[0].recipients[0].match, { method: 'verp', sendId: camp.sendId, contactId: m.contactId });
    assert.equal(r.body.results[0].recipients[0].action, 'suppress_hard');
    assert.deepEqual(await suppressions(m.contactId), [{ reason: 'hard_bounce', scope: 'all_mail' }]);
    assert.equal(await verdict(m.contactId), 'block');
    const audited = await t.db.selectFrom('audit_log').select(['action', 'actor_id']).where('target_id', '=', m.contactId).execute();
    assert.deepEqual(audited, [{ action: 'suppression.add', actor_id: 'bounces' }]);

    const again = await upload(mail);
    assert.equal(again.body.results[0].duplicate, true, 'the same mail twice acts once');
    const bounces = await t.db.selectFrom('bounces').select('type').where('contact_id', '=', m.contactId).execute();
    assert.deepEqual(bounces, [{ type: 'hard' }]);
    assert.equal((await suppressions(m.contactId)).length, 1);
  });

  it('soft bounces matched by Message-ID are counted and suppress at the workspace threshold', async () => {
    const m = msg('soft@example.net');
    const put = await app.inject({ method: 'PUT', url: '/api/v1/bounces/settings', headers: { authorization: `Bearer ${token}` }, payload: { softCount: 2, softDays: 30 } });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(await get('/api/v1/bounces/settings'), { softCount: 2, softDays: 30, default: false });
    // Delivered to a plain address (no VERP): only the quoted Message-ID and the address can match it.
    const soft = () => dsn({ to: 'postmaster@shop.example', recipient: m.email, status: '4.2.2', action: 'failed', diagnostic: '452 4.2.2 Mailbox full', originalHeaders: m.headers });
    const first = await upload(soft());
    assert.equal(first.body.results[0].recipients[0].match.method, 'message_id');
    assert.equal(first.body.results[0].recipients[0].effect, 'soft_counted');
    assert.deepEqual(await suppressions(m.contactId), []);
    const second = await upload(soft());
    assert.equal(second.body.results[0].recipients[0].effect, 'soft_limit_suppressed');
    assert.deepEqual(await suppressions(m.contactId), [{ reason: 'hard_bounce', scope: 'all_mail' }]);
  });

  it('a policy refusal (5.7.1 blocked) never suppresses; it is shown as a sender problem', async () => {
    const m = msg('policy@example.net');
    const r = await upload(dsn({ to: m.returnPath, recipient: m.email, status: '5.7.1', diagnostic: '550 5.7.1 Service unavailable; client host [192.0.2.10] blocked using zen.spamhaus.org', originalHeaders: m.headers }));
    assert.equal(r.body.results[0].recipients[0].action, 'sender_problem');
    assert.deepEqual(await suppressions(m.contactId), []);
    assert.equal(await verdict(m.contactId), 'send');
    const problems = await get('/api/v1/bounces/sender-problems');
    assert.equal(problems.items.length, 1);
    assert.equal(problems.items[0].address, m.email);
    assert.equal(problems.items[0].status, '5.7.1');
  });

  it('a complaint suppresses marketing and unsubscribes; an opt-out report unsubscribes', async () => {
    const angry = msg('angry@example.net');
    const r = await upload(arf({ to: angry.returnPath, recipient: angry.email, feedbackType: 'abuse', originalHeaders: angry.headers }));
    assert.equal(r.body.results[0].kind, 'complaint');
    assert.equal(r.body.results[0].recipients[0].action, 'complaint');
    const reasons = (await suppressions(angry.contactId)).map((s) => s.reason).sort();
    assert.deepEqual(reasons, ['complaint', 'unsubscribe']);
    assert.equal(await verdict(angry.contactId), 'block');

    const leave = msg('leave@example.net');
    // Sent as an mbox holding the report and one ordinary message, which is ignored.
    const mbox = `From fbl@isp.example.org Sat Nov 21 10:00:00 2026\n${arf({ to: 'fbl@shop.example', recipient: leave.email, feedbackType: 'opt-out', originalHeaders: leave.headers })}\nFrom someone@example.org Sat Nov 21 10:01:00 2026\nFrom: someone@example.org\nTo: news@shop.example\nSubject: lunch?\n\nAre you free?\n`;
    const box = await upload(mbox, { type: 'application/mbox' });
    assert.equal(box.body.messages, 2);
    assert.equal(box.body.results[0].recipients[0].action, 'unsubscribe');
    assert.equal(box.body.results[1].outcome, 'ignored');
    assert.deepEqual((await suppressions(leave.contactId)).map((s) => s.reason), ['unsubscribe']);
  });

  it('a report that matches nothing is kept and shown, never guessed onto a contact', async () => {
    const fine = msg('fine@example.net');
    const foreignHeaders = 'From: someone@else.example\nTo: fine@example.net\nSubject: not ours\nMessage-ID: <123.abc@else.example>';
    const r = await upload(dsn({ to: 'postmaster@shop.example', recipient: fine.email, status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalHeaders: foreignHeaders }));
    assert.equal(r.body.results[0].outcome, 'unmatched');
    assert.deepEqual(r.body.results[0].recipients[0].match, { unmatched: 'unknown_send' });
    assert.deepEqual(await suppressions(fine.contactId), [], 'the same address is not suppressed on a guess');
    // Our Message-ID, but the failure is about another address (a forward): not matched either.
    const fwd = msg('fwd@example.net');
    const forwarded = await upload(dsn({ to: 'postmaster@shop.example', recipient: 'elsewhere@example.org', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalHeaders: fwd.headers.replace(/^To: .*$/m, 'To: list@example.org') }));
    assert.deepEqual(forwarded.body.results[0].recipients[0].match, { unmatched: 'address_mismatch' });
    const listed = await get('/api/v1/bounces?outcome=unmatched');
    assert.equal(listed.items.length, 2);
  });

  it('another workspace cannot act on this workspace\'s sends, even with the real VERP address', async () => {
    const other = await (await import('./send-support.js')).aWorkspace(t.db);
    const otherToken = (await createApiToken({ db: t.db, workspaceId: other.workspaceId, name: 'x', role: 'editor', actor: system, now: new Date() })).token;
    const m = msg('fine@example.net');
    const r = await upload(dsn({ to: m.returnPath, recipient: m.email, status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalHeaders: m.headers }), { as: otherToken });
    assert.equal(r.body.results[0].outcome, 'unmatched');
    assert.deepEqual(await suppressions(m.contactId), []);
    assert.equal((await get('/api/v1/bounces', otherToken)).items.length, 1);
    assert.equal((await get('/api/v1/bounces/actions', otherToken)).items.length, 0);
  });

  it('bad input gets a clear error; unreadable mail is kept as such', async () => {
    const empty = await upload('');
    assert.equal(empty.status, 400);
    assert.match(empty.body.error.message, /message\/rfc822/);
    const junk = await upload('\u0000\u0001 not mail at all');
    assert.equal(junk.status, 200);
    assert.equal(junk.body.results[0].outcome, 'unreadable');
    const viewer = await createApiToken({ db: t.db, workspaceId: camp.workspaceId, name: 'v', role: 'viewer', actor: system, now: new Date() });
    assert.equal((await upload('From: a@b\n\nx', { as: viewer.token })).status, 403);
  });

  it('a body of another type (curl -d, JSON) is told which types the upload takes, and nothing is recorded', async () => {
    const before = (await get('/api/v1/bounces?limit=500')).items.length;
    const m = msg('fine@example.net');
    const mail = dsn({ to: m.returnPath, recipient: m.email, status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalHeaders: m.headers });
    for (const [type, body] of [['application/x-www-form-urlencoded', mail], ['application/json', JSON.stringify({ mail })], ['multipart/form-data; boundary=x', '--x--']] as const) {
      const r = await upload(body, { type });
      assert.equal(r.status, 400, type);
      assert.equal(r.body.error.code, 'invalid_input');
      assert.match(r.body.error.message, new RegExp(`Content-Type ${type.split(';')[0]} is not taken`), type);
      assert.match(r.body.error.message, /message\/rfc822 for one mail/);
      assert.match(r.body.error.message, /application\/mbox/);
      assert.match(r.body.error.message, /\/webhooks\/bounces\//);
      assert.doesNotMatch(r.body.error.message, /send application\/json/);
    }
    assert.equal((await get('/api/v1/bounces?limit=500')).items.length, before, 'nothing recorded');
    assert.deepEqual(await suppressions(m.contactId), []);
    // the settings beside it still take JSON
    const put = await app.inject({ method: 'PUT', url: '/api/v1/bounces/settings', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ softCount: 3, softDays: 30 }) });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/bounces/circuit-breaker/${camp.sendId}/resume`, headers: { authorization: `Bearer ${token}` } })).json().error?.code !== 'invalid_input', true, 'a POST without a body is not a content-type error');
  });
});
