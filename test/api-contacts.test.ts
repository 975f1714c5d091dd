// Contacts, consents, activity, lists and the eligibility answer through HTTP (Fastify inject), on each engine.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { caller, testApp, testWorkspace, type Call, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';

const webForm = { type: 'web_form', at: '2026-01-10T10:00:00Z', evidence: ['form:newsletter@3'] };

forEachDatabase('api contacts', (t) => {
  let app: FastifyInstance;
  let ws: TestWorkspace;
  let call: Call;
  before(async () => {
    app = await testApp(t.db, { now: () => new Date('2026-03-01T09:00:00Z') });
    ws = await testWorkspace(t.db, 'Shop');
    call = caller(app, ws.tokens.editor);
  });
  after(async () => { await app.close(); });

  it('creates a contact with a normalised address, reads it back, and refuses a duplicate in any case', async () => {
    const created = await call('POST', '/api/v1/contacts', { email: ' Anna@Example.COM ', country: 'uk', kind: 'consumer', customFields: { shoeSize: 41 }, source: webForm });
    assert.equal(created.status, 201);
    assert.equal(created.body.email, 'Anna@example.com');
    assert.equal(created.body.country, 'GB');
    const read = await call('GET', `/api/v1/contacts/${created.body.id}`);
    assert.deepEqual(read.body, created.body);
    const dup = await call('POST', '/api/v1/contacts', { email: 'anna@EXAMPLE.com', country: 'GB', source: webForm });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'conflict');
  });

  it('stores a birth date and the engine reads it: a 13-year-old in France is blocked as a minor', async () => {
    const created = await call('POST', '/api/v1/contacts', { email: 'lea@example.fr', country: 'FR', birthDate: '2013-01-15', source: webForm });
    assert.equal(created.status, 201);
    assert.equal(created.body.birthDate, '2013-01-15');
    const answer = await call('GET', `/api/v1/contacts/${created.body.id}/eligibility?channel=email&purpose=marketing`);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.verdict, 'block');
    assert.ok(answer.body.reasons.some((r: { code: string }) => r.code === 'minor'));
  });

  it('answers bad input with 400 and the field paths, and stores nothing', async () => {
    const before = await t.db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const bad = await call('POST', '/api/v1/contacts', { email: 'x@example.com', country: 'France', source: { type: 'bought' }, birthDate: '2001-02-30' });
    assert.equal(bad.status, 400);
    const paths = bad.body.error.issues.map((i: { path: string }) => i.path).sort();
    assert.deepEqual(paths, ['body.birthDate', 'body.country', 'body.source.type']);
    const badEmail = await call('POST', '/api/v1/contacts', { email: 'not an address', country: 'FR', source: webForm });
    assert.equal(badEmail.status, 400);
    assert.equal(badEmail.body.error.issues[0].path, 'body.email');
    const notJson = await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { authorization: `Bearer ${ws.tokens.editor}`, 'content-type': 'application/json' }, payload: '{"email":' });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().error.code, 'invalid_input');
    assert.ok(!notJson.body.includes('at '), 'no stack trace');
    const after = await t.db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });

  it('pages through contacts with a cursor and finds by email', async () => {
    for (let i = 0; i < 7; i++) {
      assert.equal((await call('POST', '/api/v1/contacts', { email: `page${i}@example.org`, country: 'DE', source: webForm })).status, 201);
    }
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page: { body: { items: { id: string; email: string }[]; next: string | null } } = await call('GET', `/api/v1/contacts?limit=3&q=page${next ? `&after=${next}` : ''}`);
      assert.ok(page.body.items.length <= 3);
      seen.push(...page.body.items.map((c) => c.email));
      next = page.body.next;
    } while (next);
    assert.deepEqual(seen.sort(), Array.from({ length: 7 }, (_, i) => `page${i}@example.org`));
    const found = await call('GET', '/api/v1/contacts?email=PAGE3@example.org');
    assert.deepEqual(found.body.items.map((c: { email: string }) => c.email), ['page3@example.org']);
  });

  it('updates fields by merge and keeps the rest', async () => {
    const c = await call('POST', '/api/v1/contacts', { email: 'merge@example.com', country: 'FR', customFields: { a: 1 }, source: webForm });
    const u = await call('PATCH', `/api/v1/contacts/${c.body.id}`, { customFields: { b: 'x' }, kind: 'sole_trader' });
    assert.equal(u.status, 200);
    assert.deepEqual(u.body.customFields, { a: 1, b: 'x' });
    assert.equal(u.body.kind, 'sole_trader');
    assert.equal(u.body.email, 'merge@example.com');
    assert.equal((await call('PATCH', `/api/v1/contacts/${c.body.id}`, { country: 'Germany' })).status, 400);
  });

  it('keeps consent events append-only: append, withdraw once, never edit', async () => {
    const c = await call('POST', '/api/v1/contacts', { email: 'ledger@example.com', country: 'FR', source: webForm });
    const e = await call('POST', `/api/v1/contacts/${c.body.id}/consents`, {
      channel: 'email', method: 'double_opt_in', at: '2026-01-10T10:00:00Z', confirmedAt: '2026-01-10T10:03:00Z',
      evidence: { formId: 'newsletter', formVersion: 3, wordingHash: 'sha256:abc', ip: '203.0.113.9', userAgent: 'Firefox' },
    });
    assert.equal(e.status, 201);
    assert.equal(e.body.evidence.wordingHash, 'sha256:abc');
    const w = await call('POST', `/api/v1/contacts/${c.body.id}/consents/${e.body.id}/withdraw`, { at: '2026-02-01T00:00:00Z' });
    assert.equal(w.body.withdrawnAt, '2026-02-01T00:00:00.000Z');
    assert.equal((await call('POST', `/api/v1/contacts/${c.body.id}/consents/${e.body.id}/withdraw`, {})).status, 409);
    await assert.rejects(sql`update consent_events set method = 'written' where id = ${e.body.id}`.execute(t.db), /append-only/);
    await assert.rejects(sql`update consent_events set withdrawn_at = null where id = ${e.body.id}`.execute(t.db), /append-only/);
    await assert.rejects(sql`delete from consent_events where id = ${e.body.id}`.execute(t.db), /append-only/);
    const ledger = await call('GET', `/api/v1/contacts/${c.body.id}/consents`);
    assert.equal(ledger.body.items.length, 1);
    const bad = await call('POST', `/api/v1/contacts/${c.body.id}/consents`, { channel: 'email', method: 'telepathy', at: 'yesterday' });
    assert.deepEqual(bad.body.error.issues.map((i: { path: string }) => i.path).sort(), ['body.at', 'body.method']);
  });

  it('answers eligibility from stored data, as the contract says', async () => {
    const c = await call('POST', '/api/v1/contacts', { email: 'eligible@example.com', country: 'FR', source: webForm });
    const url = `/api/v1/contacts/${c.body.id}/eligibility?channel=email&purpose=marketing`;
    const none = await call('GET', url);
    assert.equal(none.status, 200);
    assert.equal(none.body.verdict, 'block');
    assert.ok(none.body.reasons.some((r: { code: string; effect: string }) => r.code === 'no_consent' && r.effect === 'block'));
    await call('POST', `/api/v1/contacts/${c.body.id}/consents`, { channel: 'email', method: 'double_opt_in', at: '2026-01-10T10:00:00Z', confirmedAt: '2026-01-10T10:03:00Z', evidence: { formId: 'nl', ip: '203.0.113.9' } });
    const yes = await call('GET', url);
    assert.equal(yes.body.verdict, 'send');
    assert.equal(yes.body.basis, 'consent');
    assert.equal(yes.body.id, c.body.id);
    await call('POST', '/api/v1/suppressions', { contactId: c.body.id, reason: 'unsubscribe', at: '2026-02-01T00:00:00Z' });
    const unsub = await call('GET', url);
    assert.equal(unsub.body.verdict, 'block');
    assert.ok(unsub.body.reasons.some((r: { code: string }) => r.code === 'suppressed'));
    assert.equal((await call('GET', `/api/v1/contacts/${c.body.id}/eligibility?channel=pigeon`)).status, 400);
  });

  it('weighs recorded purchases: a soft opt-in within the bought categories', async () => {
    const c = await call('POST', '/api/v1/contacts', { email: 'buyer@example.co.uk', country: 'GB', source: { type: 'checkout', at: '2026-01-05T12:00:00Z' } });
    await call('POST', `/api/v1/contacts/${c.body.id}/activity`, { type: 'purchase', at: '2026-01-05T12:00:00Z', categories: ['running-shoes'] });
    await call('POST', `/api/v1/contacts/${c.body.id}/consents`, { channel: 'email', method: 'purchase_notice', at: '2026-01-05T12:00:00Z', categories: ['running-shoes'], evidence: ['checkout-notice-v2'] });
    const same = await call('GET', `/api/v1/contacts/${c.body.id}/eligibility?channel=email&purpose=marketing&categories=running-shoes`);
    const other = await call('GET', `/api/v1/contacts/${c.body.id}/eligibility?channel=email&purpose=marketing&categories=garden-furniture`);
    assert.notEqual(same.body.verdict, other.body.verdict, JSON.stringify([same.body, other.body]));
    assert.equal(other.body.verdict, 'block');
  });

  it('evaluates an array of contract cases, answering bad ones in place', async () => {
    const cases = [
      { id: 'a', contact: { email: 'x@example.fr', country: 'FR', source: { type: 'list_broker' } }, message: { channel: 'email', purpose: 'marketing' } },
      { id: 'b', contact: { email: 'x@example.fr', source: { type: 'web_form' } }, message: { channel: 'email', purpose: 'marketing' } },
    ];
    const r = await call('POST', '/api/v1/evaluate', cases);
    assert.equal(r.status, 200);
    assert.equal(r.body[0].id, 'a');
    assert.equal(r.body[0].verdict, 'block');
    assert.ok(r.body[0].reasons.some((x: { code: string }) => x.code === 'purchased_list'));
    assert.deepEqual({ id: r.body[1].id, line: r.body[1].line, code: r.body[1].error.code, path: r.body[1].error.path }, { id: 'b', line: 2, code: 'invalid_input', path: 'contact.country' });
    assert.equal((await call('POST', '/api/v1/evaluate', { not: 'an array' })).status, 400);
  });

  it('manages lists and members; unknown contacts are reported, not added', async () => {
    // a field left out is named "required" (once, for every route, in src/server/validate.ts), not a type error
    const none = await call('POST', '/api/v1/lists', {});
    assert.equal(none.status, 400);
    assert.equal(none.body.error.message, 'body.name: required');
    assert.deepEqual(none.body.error.issues, [{ path: 'body.name', message: 'required' }]);
    const nested = await call('POST', '/api/v1/contacts', { email: 'nested@example.com', country: 'FR', source: {} });
    assert.equal(nested.status, 400);
    assert.ok(nested.body.error.issues.some((i: { path: string; message: string }) => i.path === 'body.source.type' && i.message === 'required'), JSON.stringify(nested.body));
    // a value of the wrong type is still said as such
    const wrongType = await call('POST', '/api/v1/lists', { name: 42 });
    assert.match(wrongType.body.error.message, /^body\.name: Invalid input: expected string, received number/);
    const l = await call('POST', '/api/v1/lists', { name: 'Runners' });
    assert.equal(l.status, 201);
    assert.equal((await call('POST', '/api/v1/lists', { name: 'Runners' })).status, 409);
    const c = await call('POST', '/api/v1/contacts', { email: 'member@example.com', country: 'FR', source: webForm });
    const ghost = '00000000-0000-4000-8000-000000000000';
    const m = await call('POST', `/api/v1/lists/${l.body.id}/members`, { add: [c.body.id, ghost] });
    assert.deepEqual(m.body, { added: 1, removed: 0, unknown: [ghost] });
    const members = await call('GET', `/api/v1/lists/${l.body.id}/members`);
    assert.deepEqual(members.body.items.map((x: { contactId: string }) => x.contactId), [c.body.id]);
    const lists = await call('GET', '/api/v1/lists');
    assert.equal(lists.body.items.find((x: { id: string }) => x.id === l.body.id).memberCount, 1);
    assert.equal((await call('DELETE', `/api/v1/lists/${l.body.id}`)).status, 403, 'editors cannot delete lists');
    assert.equal((await caller(app, ws.tokens.admin)('DELETE', `/api/v1/lists/${l.body.id}`)).status, 204);
  });

  it('records who changed what in the audit log, without personal data', async () => {
    const c = await call('POST', '/api/v1/contacts', { email: 'audited@example.com', country: 'FR', source: webForm });
    const log = await caller(app, ws.tokens.admin)('GET', `/api/v1/audit?targetId=${c.body.id}`);
    assert.equal(log.status, 200);
    assert.equal(log.body.items[0].action, 'contact.create');
    assert.equal(log.body.items[0].actor.type, 'token');
    assert.ok(!JSON.stringify(log.body).includes('audited@example.com'));
    assert.equal((await call('GET', '/api/v1/audit')).status, 403, 'editors do not read the audit log');
    const verify = await caller(app, ws.tokens.owner)('GET', '/api/v1/audit/verify');
    assert.equal(verify.body.ok, true);
  });

  it('publishes an OpenAPI document and a reference page covering the routes', async () => {
    const doc = await call('GET', '/api/v1/openapi.json');
    assert.equal(doc.body.openapi, '3.1.0');
    for (const p of ['/api/v1/contacts', '/api/v1/contacts/{id}', '/api/v1/contacts/{id}/eligibility', '/api/v1/evaluate', '/api/v1/suppressions', '/api/v1/lists', '/api/v1/audit']) {
      assert.ok(doc.body.paths[p], `documents ${p}`);
    }
    assert.ok(doc.body.paths['/api/v1/contacts'].post.requestBody.content['application/json'].schema.properties.source);
    const page = await app.inject({ url: '/api/v1/reference' });
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /\/api\/v1\/contacts\/\{id\}\/eligibility/);
  });
});
