// Campaigns through HTTP: sender profile, drafts, the check, the acknowledged send, pause/resume/cancel, the
// "why" of one recipient, tenancy, and the tracking links (click → redirect and engagement; opens off by default).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { caller, testWorkspace, type Call, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { someContacts } from './send-support.js';

const baseUrl = 'https://lists.shop.example';
const profile = {
  company: 'Shop SAS', address: '1 rue de la Paix, 75002 Paris', registration: 'RCS Paris 123', representative: 'Jeanne Martin',
  postalAddress: '1 rue de la Paix, 75002 Paris', contactEmail: 'contact@shop.example', domains: ['shop.example'], returnPathDomain: 'bounces.shop.example',
};
const draft = (listId: string, extra: object = {}) => ({
  name: 'Spring', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example',
  subject: 'Hello {{ contact.first_name }}', html: '<p>Hi</p><p><a href="https://shop.example/sale">Sale</a></p>', ...extra,
});

forEachDatabase('campaign api', (t) => {
  let app: FastifyInstance;
  let sink: SmtpSink;
  let ws: TestWorkspace;
  let other: TestWorkspace;
  let call: Call;
  let admin: Call;
  let listId: string;
  let contactIds: string[];
  const config = testConfig({ baseUrl });

  before(async () => {
    app = await buildApp({ db: t.db, config, logger: false, tokenCacheMs: 0 });
    sink = await startSmtpSink();
    ws = await testWorkspace(t.db, 'Shop');
    other = await testWorkspace(t.db, 'Other');
    call = caller(app, ws.tokens.editor);
    admin = caller(app, ws.tokens.admin);
    listId = (await t.db.insertInto('lists').values({ workspace_id: ws.id, name: 'News' }).returning('id').executeTakeFirstOrThrow()).id;
    contactIds = await someContacts(t.db, { workspaceId: ws.id, listId }, [
      { email: 'ann@example.net', fields: { first_name: 'Ann' } }, { email: 'bob@example.net' }, { email: 'cy@example.net', consent: 'none' },
    ]);
  });
  after(async () => { await app.close(); await sink.close(); });

  it('saves the sender profile: bad input is a 400 with paths, the key is generated and never shown', async () => {
    const bad = await admin('PUT', '/api/v1/sender-profile', { ...profile, domains: ['not a domain'] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.issues[0].path, 'domains.0');
    assert.equal((await call('PUT', '/api/v1/sender-profile', profile)).status, 403, 'editors cannot change the legal identity');
    const saved = await admin('PUT', '/api/v1/sender-profile', profile);
    assert.equal(saved.status, 200);
    assert.equal(saved.body.dkimDnsName, 'lw1._domainkey.shop.example');
    assert.match(saved.body.dkimDnsRecord, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    assert.ok(!JSON.stringify(saved.body).includes('PRIVATE KEY'));
    const badKey = await admin('PUT', '/api/v1/sender-profile', { ...profile, dkimPrivateKeyPem: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' });
    assert.equal(badKey.status, 400);
    assert.match(badKey.body.error.message, /not a PEM private key/);
  });

  it('refuses a template with a Liquid error, naming the part; viewers cannot create', async () => {
    const bad = await call('POST', '/api/v1/campaigns', draft(listId, { html: '<p>{% if x %}open</p>' }));
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /HTML has a merge tag error/);
    assert.equal((await caller(app, ws.tokens.viewer)('POST', '/api/v1/campaigns', draft(listId))).status, 403);
  });

  it('refuses a list that is not one of the workspace\'s, by its name or another workspace\'s id, naming the field', async () => {
    const theirs = (await t.db.insertInto('lists').values({ workspace_id: other.id, name: 'Theirs' }).returning('id').executeTakeFirstOrThrow()).id;
    const created = await call('POST', '/api/v1/campaigns', draft(listId, { listIds: [listId, 'News', theirs] }));
    assert.equal(created.status, 400, JSON.stringify(created.body));
    assert.deepEqual(created.body.error.issues, [
      { path: 'listIds.1', message: 'no such list in this workspace (give the list\'s id)' },
      { path: 'listIds.2', message: 'no such list in this workspace (give the list\'s id)' },
    ]);
    const id = (await call('POST', '/api/v1/campaigns', draft(listId, { name: 'Edited' }))).body.id;
    assert.equal((await call('PUT', `/api/v1/campaigns/${id}`, draft('News'))).status, 400, 'an edit is checked the same way');
  });

  it('asks for the time zone of a send time given without one', async () => {
    const wanted = 'must be a date and time with its time zone, such as 2026-12-01T10:00:00+01:00 or 2026-12-01T09:00:00Z';
    const created = await call('POST', '/api/v1/campaigns', draft(listId, { scheduledAt: '2026-12-01T10:00:00' }));
    assert.equal(created.status, 400);
    assert.deepEqual(created.body.error.issues, [{ path: 'body.scheduledAt', message: wanted }]);
    const id = (await call('POST', '/api/v1/campaigns', draft(listId, { name: 'Zone' }))).body.id;
    const moved = await call('POST', `/api/v1/campaigns/${id}/reschedule`, { scheduledAt: '2026-12-01 10:00' });
    assert.deepEqual(moved.body.error.issues, [{ path: 'body.scheduledAt', message: wanted }]);
  });

  it('checks, then sends only with the acknowledgement, records who, and explains each recipient', async () => {
    const created = await call('POST', '/api/v1/campaigns', draft(listId, { subject: ' ' }));
    assert.equal(created.status, 201);
    const id = created.body.id;
    const check = await call('POST', `/api/v1/campaigns/${id}/check`);
    assert.equal(check.status, 200);
    assert.equal(check.body.ok, false);
    assert.deepEqual(check.body.failures.map((f: { code: string }) => f.code), ['subject_empty']);
    assert.deepEqual(check.body.audience, { total: 3, byVerdict: { send: 2, block: 1 }, byBlockCode: { no_consent: 1 } });
    assert.equal((await call('POST', `/api/v1/campaigns/${id}/send`, { acknowledge: true })).status, 400, 'the gate refuses an empty subject');

    assert.equal((await call('PUT', `/api/v1/campaigns/${id}`, draft(listId))).status, 200);
    assert.equal((await call('POST', `/api/v1/campaigns/${id}/check`)).body.ok, true);
    const noAck = await call('POST', `/api/v1/campaigns/${id}/send`, {});
    assert.equal(noAck.status, 400);
    assert.equal(noAck.body.error.issues[0].path, 'acknowledge');
    assert.equal((await caller(app, other.tokens.owner)('POST', `/api/v1/campaigns/${id}/send`, { acknowledge: true })).status, 404, 'another workspace cannot see it');

    const sent = await call('POST', `/api/v1/campaigns/${id}/send`, { acknowledge: true });
    assert.equal(sent.status, 202);
    assert.deepEqual({ queued: sent.body.queued, blocked: sent.body.blocked }, { queued: 2, blocked: 1 });
    const status = await call('GET', `/api/v1/campaigns/${id}/send`);
    assert.match(status.body.acknowledgedBy, /^token:/);
    // the answer to the send says what was recorded, as a scheduled send's does
    assert.deepEqual([sent.body.acknowledgedBy, sent.body.acknowledgedAt], [status.body.acknowledgedBy, status.body.acknowledgedAt]);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'campaign.send_started').where('workspace_id', '=', ws.id).execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0].target_id, id);
    assert.equal((await call('PUT', `/api/v1/campaigns/${id}`, draft(listId))).status, 409, 'a sending campaign is frozen');

    const why = await call('GET', `/api/v1/campaigns/${id}/recipients/${contactIds[2]}`);
    assert.equal(why.body.state, 'blocked');
    // asked by address, as a marketer knows the person
    const byEmail = await call('GET', `/api/v1/campaigns/${id}/recipients/CY@example.net`);
    assert.deepEqual([byEmail.status, byEmail.body.contactId, byEmail.body.email, byEmail.body.state], [200, contactIds[2], 'cy@example.net', 'blocked']);
    assert.equal((await call('GET', `/api/v1/campaigns/${id}/recipients/zoe@example.net`)).body.error.message, 'No contact of this workspace has the address zoe@example.net.');
    assert.equal((await call('GET', `/api/v1/campaigns/${id}/recipients/zoe`)).body.error.message, 'params.contactId: must be a contact\'s id or email address');
    assert.equal((await caller(app, other.tokens.owner)('GET', `/api/v1/campaigns/${id}/recipients/cy@example.net`)).status, 404, 'another workspace learns nothing');
    assert.equal(why.body.atStart.reasons.find((r: { effect: string }) => r.effect === 'block').code, 'no_consent');
    const outsider = (await t.db.insertInto('contacts').values({ workspace_id: ws.id, email: 'dee@example.net', country: 'FR', source_type: 'web_form' }).returning('id').executeTakeFirstOrThrow()).id;
    const notInAudience = await call('GET', `/api/v1/campaigns/${id}/recipients/${outsider}`);
    assert.equal(notInAudience.status, 404);
    assert.match(notInAudience.body.error.message, /^This contact was not in the audience of the latest send \(\d+\): not on the campaign's lists or in its segments when it started/);

    // Paused: a worker claims nothing. Resumed: it sends.
    assert.equal((await call('POST', `/api/v1/campaigns/${id}/pause`)).body.status, 'paused');
    assert.equal((await call('POST', `/api/v1/campaigns/${id}/pause`)).status, 409);
    const worker = startSendWorker({ db: t.db, workerId: 'api-test', smtp: { host: sink.host, port: sink.port }, connections: 2, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret: config.secretKey, baseUrl }, { loop: false });
    assert.equal(await worker.runOnce(), 0);
    assert.equal((await call('POST', `/api/v1/campaigns/${id}/resume`)).body.status, 'sending');
    while ((await worker.runOnce()) > 0);
    await worker.stop();
    assert.deepEqual(sink.messages.map((m) => m.to[0]).sort(), ['ann@example.net', 'bob@example.net']);
    const done = await call('GET', `/api/v1/campaigns/${id}/send`);
    assert.deepEqual(done.body.states, { sent: 2, blocked: 1 });
    assert.equal(done.body.status, 'done');
    assert.equal((await call('GET', `/api/v1/campaigns/${id}`)).body.status, 'sent');

    // The click link redirects to the campaign's own link and counts as engagement; the pixel is not there.
    const mail = await sink.parse(sink.messages.findIndex((m) => m.to[0] === 'ann@example.net'));
    const click = /href="(https:\/\/lists\.shop\.example\/t\/c\/[^"]+)"/.exec(mail.html || '')![1];
    assert.ok(!(mail.html || '').includes('/t/o/'), 'open tracking is off by default');
    const res = await app.inject({ method: 'GET', url: new URL(click).pathname });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, 'https://shop.example/sale');
    const clicks = await t.db.selectFrom('activity_events').selectAll().where('contact_id', '=', contactIds[0]).where('type', '=', 'click').execute();
    assert.equal(clicks.length, 1);
    const path = new URL(click).pathname;
    assert.equal((await app.inject({ method: 'GET', url: path.replace(/\/0$/, '/7') })).statusCode, 404, 'only the campaign\'s links');
    assert.equal((await app.inject({ method: 'GET', url: path.replace(/\/t\/c\/([^.]+)\./, '/t/c/$1x.') })).statusCode, 404, 'a forged token');
    const pixel = await app.inject({ method: 'GET', url: path.replace('/t/c/', '/t/o/').replace(/\/0$/, '') });
    assert.equal(pixel.headers['content-type'], 'image/gif');
    const opens = await t.db.selectFrom('activity_events').selectAll().where('contact_id', '=', contactIds[0]).where('type', '=', 'open').execute();
    assert.equal(opens.length, 0, 'opens are not recorded when the campaign does not track them');
  });

  it('cancels a send: nobody left in the queue gets the mail', async () => {
    const created = await call('POST', '/api/v1/campaigns', draft(listId, { name: 'Cancelled' }));
    const id = created.body.id;
    assert.equal((await call('POST', `/api/v1/campaigns/${id}/send`, { acknowledge: true })).status, 202);
    assert.equal((await call('POST', `/api/v1/campaigns/${id}/cancel`)).body.status, 'cancelled');
    const before = sink.messages.length;
    const worker = startSendWorker({ db: t.db, workerId: 'api-test-2', smtp: { host: sink.host, port: sink.port }, connections: 2, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret: config.secretKey, baseUrl }, { loop: false });
    assert.equal(await worker.runOnce(), 0);
    await worker.stop();
    assert.equal(sink.messages.length, before);
    assert.deepEqual((await call('GET', `/api/v1/campaigns/${id}/send`)).body.states, { cancelled: 2, blocked: 1 });
  });

  it('answers a campaign that was never sent with what is the matter, not a bare "Not found."', async () => {
    const id = (await call('POST', '/api/v1/campaigns', draft(listId, { name: 'Never sent' }))).body.id;
    for (const action of ['pause', 'resume', 'cancel']) {
      const r = await call('POST', `/api/v1/campaigns/${id}/${action}`);
      assert.equal(r.status, 409, action);
      assert.equal(r.body.error.message, `The campaign has not been sent yet: there is no send to ${action}.`);
    }
    const progress = await call('GET', `/api/v1/campaigns/${id}/send`);
    assert.equal(progress.status, 404);
    assert.equal(progress.body.error.message, 'This campaign has not been sent yet.');
    assert.equal((await call('GET', `/api/v1/campaigns/${id}/schedule`)).body.error.message, 'This campaign has never been scheduled.');
    assert.equal((await call('GET', `/api/v1/campaigns/${id}/recipients/${contactIds[0]}`)).body.error.message, 'This campaign has not been sent yet.');
    const unknown = '00000000-0000-4000-8000-000000000000';
    assert.equal((await call('POST', `/api/v1/campaigns/${unknown}/pause`)).status, 404);
    assert.equal((await call('GET', `/api/v1/campaigns/${unknown}/send`)).body.error.message, 'Not found.');
  });
});
