// Nothing lowers protection: no API call makes an unsubscribed, complained, bounced or erased contact mailable;
// only the person's own new double opt-in lifts an unsubscribe. Erasure leaves only a tombstone.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { appendConsentEvent } from '../src/consents/append-consent-event.js';
import { caller, testApp, testWorkspace, type Call, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';

const now = new Date('2026-03-01T09:00:00Z');
const doi = { channel: 'email', method: 'double_opt_in', at: '2026-01-10T10:00:00Z', confirmedAt: '2026-01-10T10:03:00Z', evidence: { formId: 'nl', ip: '203.0.113.9' } };

forEachDatabase('api protection', (t) => {
  let app: FastifyInstance;
  let ws: TestWorkspace;
  let owner: Call;
  before(async () => {
    app = await testApp(t.db, { now: () => now });
    ws = await testWorkspace(t.db, 'P');
    owner = caller(app, ws.tokens.owner);
  });
  after(async () => { await app.close(); });

  async function subscribed(email: string): Promise<string> {
    const c = await owner('POST', '/api/v1/contacts', { email, country: 'FR', source: { type: 'web_form', at: '2026-01-10T10:00:00Z' } });
    await owner('POST', `/api/v1/contacts/${c.body.id}/consents`, doi);
    return c.body.id;
  }
  const verdict = async (id: string) => (await owner('GET', `/api/v1/contacts/${id}/eligibility?channel=email&purpose=marketing`)).body.verdict;

  for (const reason of ['unsubscribe', 'complaint', 'hard_bounce', 'objection']) {
    it(`a ${reason} suppression survives every API call`, async () => {
      const id = await subscribed(`person-${reason}@example.com`);
      assert.equal(await verdict(id), 'send');
      const s = await owner('POST', '/api/v1/suppressions', { contactId: id, reason, at: '2026-02-01T00:00:00Z' });
      assert.equal(s.status, 201);
      assert.equal(await verdict(id), 'block');
      const lift = await owner('DELETE', `/api/v1/suppressions/${s.body.id}`);
      assert.equal(lift.status, 409);
      assert.equal(lift.body.error.code, 'protection');
      // a staff-recorded fresh double opt-in does not lift it either
      await owner('POST', `/api/v1/contacts/${id}/consents`, { ...doi, at: '2026-02-20T10:00:00Z', confirmedAt: '2026-02-20T10:01:00Z' });
      await owner('PATCH', `/api/v1/contacts/${id}`, { email: `person-${reason}-new@example.com`, source: { type: 'web_form' } });
      assert.equal(await verdict(id), 'block');
      assert.equal((await owner('GET', `/api/v1/suppressions?contactId=${id}`)).body.items.length, 1);
    });
  }

  it('the person\'s own confirmed double opt-in after an unsubscribe lifts it; not for a complaint', async () => {
    const id = await subscribed('comeback@example.com');
    await owner('POST', '/api/v1/suppressions', { contactId: id, reason: 'unsubscribe', at: '2026-02-01T00:00:00Z' });
    const before = await appendConsentEvent({ db: t.db, workspaceId: ws.id, contactId: id, origin: 'person', actor: { type: 'system', id: 'public-form' }, now,
      input: { channel: 'email', method: 'single_opt_in', at: '2026-02-15T00:00:00Z', evidence: { formId: 'nl' } } });
    assert.deepEqual(before.liftedSuppressions, [], 'a single opt-in is not enough');
    const r = await appendConsentEvent({ db: t.db, workspaceId: ws.id, contactId: id, origin: 'person', actor: { type: 'system', id: 'public-form' }, now,
      input: { channel: 'email', method: 'double_opt_in', at: '2026-02-20T10:00:00Z', confirmedAt: '2026-02-20T10:05:00Z', evidence: { formId: 'nl', ip: '198.51.100.1' } } });
    assert.equal(r.liftedSuppressions.length, 1);
    assert.equal(await verdict(id), 'send');

    const angry = await subscribed('angry@example.com');
    await owner('POST', '/api/v1/suppressions', { contactId: angry, reason: 'complaint', at: '2026-02-01T00:00:00Z' });
    const r2 = await appendConsentEvent({ db: t.db, workspaceId: ws.id, contactId: angry, origin: 'person', actor: { type: 'system', id: 'public-form' }, now,
      input: { channel: 'email', method: 'double_opt_in', at: '2026-02-20T10:00:00Z', confirmedAt: '2026-02-20T10:05:00Z' } });
    assert.deepEqual(r2.liftedSuppressions, []);
    assert.equal(await verdict(angry), 'block');
  });

  it('erasure deletes the contact and its ledger, keeps only a tombstone, and a re-added address comes back suppressed', async () => {
    const id = await subscribed('forget-me@example.com');
    await owner('POST', '/api/v1/suppressions', { contactId: id, reason: 'unsubscribe', at: '2026-02-01T00:00:00Z' });
    assert.equal((await caller(app, ws.tokens.editor)('DELETE', `/api/v1/contacts/${id}`)).status, 403);
    assert.equal((await owner('DELETE', `/api/v1/contacts/${id}`)).status, 204);
    assert.equal((await owner('GET', `/api/v1/contacts/${id}`)).status, 404);
    assert.equal((await t.db.selectFrom('consent_events').where('contact_id', '=', id).selectAll().execute()).length, 0);
    const stones = await t.db.selectFrom('tombstones').selectAll().where('workspace_id', '=', ws.id).execute();
    assert.deepEqual(stones.map((s) => s.reason).sort(), ['erasure', 'unsubscribe']);
    assert.deepEqual(Object.keys(stones[0]).sort(), ['at', 'hmac', 'id', 'reason', 'workspace_id']);
    assert.ok(stones.every((s) => /^[0-9a-f]{64}$/.test(s.hmac) && !s.hmac.includes('forget')));
    const again = await owner('POST', '/api/v1/contacts', { email: 'Forget-Me@example.com', country: 'FR', source: { type: 'web_form' } });
    await owner('POST', `/api/v1/contacts/${again.body.id}/consents`, doi);
    assert.equal(await verdict(again.body.id), 'block');
    const reasons = (await owner('GET', `/api/v1/suppressions?contactId=${again.body.id}`)).body.items.map((s: { reason: string }) => s.reason).sort();
    assert.deepEqual(reasons, ['erasure', 'unsubscribe']);
  });

  it('suppressing an unknown address keeps a tombstone that a later import meets', async () => {
    const r = await owner('POST', '/api/v1/suppressions', { email: 'never-mail@example.com', reason: 'complaint' });
    assert.equal(r.status, 201);
    assert.equal(r.body.tombstone, true);
    const c = await owner('POST', '/api/v1/contacts', { email: 'never-mail@example.com', country: 'FR', source: { type: 'web_form' } });
    await owner('POST', `/api/v1/contacts/${c.body.id}/consents`, doi);
    assert.equal(await verdict(c.body.id), 'block');
  });

  it('a manual suppression may be lifted by an admin, not by an editor', async () => {
    const id = await subscribed('paused@example.com');
    const s = await owner('POST', '/api/v1/suppressions', { contactId: id, reason: 'manual' });
    assert.equal((await caller(app, ws.tokens.editor)('DELETE', `/api/v1/suppressions/${s.body.id}`)).status, 403);
    assert.equal((await caller(app, ws.tokens.admin)('DELETE', `/api/v1/suppressions/${s.body.id}`)).status, 204);
    assert.equal(await verdict(id), 'send');
  });
});
