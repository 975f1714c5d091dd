// What a marketer types, through HTTP: unknown keys in a campaign or sender-profile body are refused by name with
// the field meant (and store nothing), what was read can be sent back.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { caller, testWorkspace, type Call, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';

const profile = {
  company: 'Shop Ltd', address: '1 High Street, London', registration: 'Companies House 123', representative: 'Jane Smith',
  postalAddress: '1 High Street, London', contactEmail: 'contact@shop.example', domains: ['shop.example'], returnPathDomain: 'bounces.shop.example',
};

forEachDatabase('campaign input', (t) => {
  let app: FastifyInstance;
  let ws: TestWorkspace;
  let call: Call;
  let admin: Call;
  let listId: string;
  const draft = (extra: object = {}) => ({
    name: 'Spring', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hello', html: '<p>Hi</p>', ...extra,
  });

  before(async () => {
    app = await buildApp({ db: t.db, config: testConfig({ baseUrl: 'https://lists.shop.example' }), logger: false, tokenCacheMs: 0 });
    ws = await testWorkspace(t.db, 'Shop');
    call = caller(app, ws.tokens.editor);
    admin = caller(app, ws.tokens.admin);
    listId = (await call('POST', '/api/v1/lists', { name: 'Customers' })).body.id;
  });
  after(async () => { await app.close(); });

  it('refuses an unknown key in the sender profile, naming it and the field meant, and stores nothing', async () => {
    const bad = await admin('PUT', '/api/v1/sender-profile', { ...profile, company: undefined, companyName: 'Shop Ltd', phone: '+44 20 1234', colour: 'blue' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_input');
    assert.equal(bad.body.error.message, 'companyName: unknown field; did you mean company?');
    assert.deepEqual(bad.body.error.issues.slice(0, 3).map((i: { path: string; message: string }) => `${i.path}: ${i.message}`), [
      'companyName: unknown field; did you mean company?',
      'phone: unknown field; did you mean contactPhone?',
      'colour: unknown field; the known fields are company, address, registration, representative, postalAddress, contactPhone, contactEmail, website, domains, returnPathDomain, dkimSelector, dkimPrivateKeyPem, dkimKeyType',
    ]);
    assert.equal((await admin('GET', '/api/v1/sender-profile')).status, 404, 'nothing was stored');

    const saved = await admin('PUT', '/api/v1/sender-profile', profile);
    assert.equal(saved.status, 200);
    // what GET answers can be sent back changed: the keys it adds are not the operator's mistake
    const read = (await admin('GET', '/api/v1/sender-profile')).body;
    assert.ok(read.workspaceId && read.dkimDnsRecord);
    const again = await admin('PUT', '/api/v1/sender-profile', { ...read, company: 'Shop Group Ltd' });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.company, 'Shop Group Ltd');
    assert.equal(again.body.dkimDnsRecord, read.dkimDnsRecord, 'the key is kept');
  });

  it('refuses unknown keys in campaign bodies (create, edit, send, reschedule), the misspelling first', async () => {
    const bad = await call('POST', '/api/v1/campaigns', { ...draft(), fromAddress: undefined, from_address: 'news@shop.example', lists: [listId] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.message, 'body.from_address: unknown field; did you mean fromAddress?');
    assert.deepEqual(bad.body.error.issues.map((i: { path: string }) => i.path), ['body.from_address', 'body.lists', 'body.fromAddress']);
    assert.equal((await call('GET', '/api/v1/campaigns')).body.items.length, 0, 'nothing was stored');

    const created = await call('POST', '/api/v1/campaigns', draft());
    assert.equal(created.status, 201);
    const id = created.body.id;
    const edit = await call('PUT', `/api/v1/campaigns/${id}`, { ...draft(), Subject: 'Sale' });
    assert.equal(edit.status, 400);
    assert.equal(edit.body.error.message, 'body.Subject: unknown field; did you mean subject?');
    // a campaign as read, changed and sent back, is accepted; its id, status and times are not taken from the body
    const read = (await call('GET', `/api/v1/campaigns/${id}`)).body;
    const back = await call('PUT', `/api/v1/campaigns/${id}`, { ...read, subject: 'Sale', status: 'sent', id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.deepEqual({ id: back.body.id, status: back.body.status, subject: back.body.subject }, { id, status: 'draft', subject: 'Sale' });
    const row = await t.db.selectFrom('campaigns').select('definition').where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(!('status' in (row.definition as object)) && !('id' in (row.definition as object)), 'the answer\'s keys are not stored');

    const send = await call('POST', `/api/v1/campaigns/${id}/send`, { acknowledged: true });
    assert.equal(send.status, 400);
    assert.equal(send.body.error.message, 'body.acknowledged: unknown field; did you mean acknowledge?');
    const move = await call('POST', `/api/v1/campaigns/${id}/reschedule`, { sendAt: '2030-01-01T10:00:00Z' });
    assert.equal(move.status, 400);
    assert.equal(move.body.error.message, 'body.sendAt: unknown field; did you mean scheduledAt?');
  });

});
