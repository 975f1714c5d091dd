// Tenants never see each other: a token of workspace A gets 404 for every resource of workspace B, on every
// route that names one, for reads and writes alike, and B's data is unchanged afterwards.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { caller, testApp, testWorkspace, type Call } from './support/api.js';
import { forEachDatabase } from './support/db.js';

forEachDatabase('api tenancy', (t) => {
  let app: FastifyInstance;
  let asA: Call;
  let asB: Call;
  const b: Record<string, string> = {};

  before(async () => {
    app = await testApp(t.db);
    const wsA = await testWorkspace(t.db, 'A');
    const wsB = await testWorkspace(t.db, 'B');
    asA = caller(app, wsA.tokens.owner);
    asB = caller(app, wsB.tokens.owner);
    const contact = await asB('POST', '/api/v1/contacts', { email: 'secret@b.example', country: 'FR', source: { type: 'web_form' } });
    b.contact = contact.body.id;
    b.consent = (await asB('POST', `/api/v1/contacts/${b.contact}/consents`, { channel: 'email', method: 'double_opt_in', at: '2026-01-01T00:00:00Z', confirmedAt: '2026-01-01T00:01:00Z' })).body.id;
    b.list = (await asB('POST', '/api/v1/lists', { name: 'B list' })).body.id;
    await asB('POST', `/api/v1/lists/${b.list}/members`, { add: [b.contact] });
    b.suppression = (await asB('POST', '/api/v1/suppressions', { contactId: b.contact, reason: 'manual' })).body.id;
    b.token = (await asB('POST', '/api/v1/tokens', { name: 'b-extra', role: 'viewer' })).body.id;
    assert.ok(Object.values(b).every(Boolean), JSON.stringify(b));
  });
  after(async () => { await app.close(); });

  const routes: [string, (b: Record<string, string>) => string, ((b: Record<string, string>) => unknown)?][] = [
    ['GET', (b) => `/api/v1/contacts/${b.contact}`],
    ['PATCH', (b) => `/api/v1/contacts/${b.contact}`, (b) => ({ country: 'DE' })],
    ['DELETE', (b) => `/api/v1/contacts/${b.contact}`],
    ['GET', (b) => `/api/v1/contacts/${b.contact}/eligibility?channel=email&purpose=marketing`],
    ['GET', (b) => `/api/v1/contacts/${b.contact}/consents`],
    ['POST', (b) => `/api/v1/contacts/${b.contact}/consents`, (b) => ({ channel: 'email', method: 'written', at: '2026-01-01T00:00:00Z' })],
    ['POST', (b) => `/api/v1/contacts/${b.contact}/consents/${b.consent}/withdraw`, (b) => ({})],
    ['GET', (b) => `/api/v1/contacts/${b.contact}/activity`],
    ['POST', (b) => `/api/v1/contacts/${b.contact}/activity`, (b) => ({ type: 'click', at: '2026-01-01T00:00:00Z' })],
    ['GET', (b) => `/api/v1/lists/${b.list}`],
    ['PATCH', (b) => `/api/v1/lists/${b.list}`, (b) => ({ name: 'stolen' })],
    ['DELETE', (b) => `/api/v1/lists/${b.list}`],
    ['GET', (b) => `/api/v1/lists/${b.list}/members`],
    ['POST', (b) => `/api/v1/lists/${b.list}/members`, (b) => ({ remove: [b.contact] })],
    ['DELETE', (b) => `/api/v1/suppressions/${b.suppression}`],
    ['POST', (b) => '/api/v1/suppressions', (b) => ({ contactId: b.contact, reason: 'manual' })],
    ['DELETE', (b) => `/api/v1/tokens/${b.token}`],
  ];

  for (const [method, url, body] of routes) {
    it(`${method} ${url({ contact: ':contact', consent: ':consent', list: ':list', suppression: ':suppression', token: ':token' })} of B answers 404 to A`, async () => {
      const r = await asA(method, url(b), body?.(b));
      assert.equal(r.status, 404, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'not_found');
    });
  }

  it('leaves B intact and never lists B in A', async () => {
    const contact = await asB('GET', `/api/v1/contacts/${b.contact}`);
    assert.equal(contact.body.country, 'FR');
    assert.equal((await asB('GET', `/api/v1/contacts/${b.contact}/consents`)).body.items[0].withdrawnAt, null);
    assert.equal((await asB('GET', `/api/v1/lists/${b.list}/members`)).body.items.length, 1);
    assert.equal((await asB('GET', '/api/v1/suppressions')).body.items.length, 1);
    assert.equal((await asB('GET', '/api/v1/tokens')).body.items.find((x: { id: string }) => x.id === b.token).revokedAt, null);
    for (const url of ['/api/v1/contacts', '/api/v1/lists', '/api/v1/suppressions', '/api/v1/audit', '/api/v1/tokens', '/api/v1/members']) {
      const r = await asA('GET', url);
      assert.equal(r.status, 200, url);
      assert.ok(!JSON.stringify(r.body).includes(b.contact) && !JSON.stringify(r.body).includes('secret@b.example') && !JSON.stringify(r.body).includes(b.list), url);
    }
    assert.equal((await asA('GET', '/api/v1/contacts?email=secret@b.example')).body.items.length, 0);
  });
});
