// The eligibility hot path reads a contact and everything the engine needs as one json value; this checks
// that what it returns equals what plain per-table reads return (dates as Dates, json as objects), on each engine.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { createEngineDataLoader } from '../src/contacts/check-eligibility.js';
import { findContact, insertContact, loadEngineData, loadEngineDataFor } from '../src/contacts/contacts.repository.js';
import { forEachDatabase } from './support/db.js';

forEachDatabase('loadEngineData', (t) => {
  let workspaceId = '';
  let contactId = '';
  before(async () => {
    const ws = await t.db.insertInto('workspaces').values({ name: 'E', slug: 'e', secret: 's'.repeat(40) } as any).returning('id').executeTakeFirstOrThrow();
    workspaceId = ws.id;
    const row = await insertContact(t.db, workspaceId, {
      email: 'anna@example.fr', phone: '+33612345678', country: 'FR', kind: 'sole_trader', birthDate: null, // a birth date cannot be stored yet: migration 0001's check lost its backslashes
      customFields: { shoe: 41, tags: ['a'] }, sourceType: 'checkout', sourceAt: new Date('2026-01-05T12:00:00.123Z'),
      collectedBy: 'third_party', sourceEvidence: ['order:123'], sourceDetails: { sponsors: ['Acme'], clientAttested: true }, registries: ['bloctel'],
    }, new Date('2026-01-05T12:00:01.456Z'));
    contactId = row.id;
    const base = { workspace_id: workspaceId, contact_id: contactId };
    await t.db.insertInto('consent_events').values([
      { ...base, channel: 'email', method: 'double_opt_in', at: new Date('2026-01-05T12:00:00Z'), confirmed_at: new Date('2026-01-05T12:04:00Z'), evidence: JSON.stringify({ formId: 'f', formVersion: 2, ip: '203.0.113.5' }), categories: JSON.stringify(['shoes']) },
      { ...base, channel: 'sms', method: 'checkbox', at: new Date('2026-01-06T12:00:00Z'), withdrawn_at: new Date('2026-02-01T00:00:00Z'), evidence: JSON.stringify(['doc:1']) },
    ] as any).execute();
    await t.db.insertInto('activity_events').values([
      { ...base, type: 'purchase', at: new Date('2026-01-07T12:00:00Z'), categories: JSON.stringify(['shoes']) },
      { ...base, type: 'click', at: new Date('2026-01-08T12:00:00Z') },
    ] as any).execute();
    await t.db.insertInto('suppressions').values([
      { ...base, reason: 'unsubscribe', at: new Date('2026-02-02T00:00:00Z') },
      { ...base, reason: 'manual', at: new Date('2026-01-02T00:00:00Z'), lifted_at: new Date('2026-01-03T00:00:00Z') },
    ] as any).execute();
    await t.db.insertInto('bounces').values({ ...base, type: 'soft', at: new Date('2026-01-09T00:00:00Z'), status: '4.2.2' } as any).execute();
  });

  it('returns the stored row and its related rows, as the per-table reads do', async () => {
    const data = await loadEngineData(t.db, workspaceId, contactId);
    assert.ok(data);
    assert.deepEqual(data.contact, await findContact(t.db, workspaceId, contactId));
    const consents = await t.db.selectFrom('consent_events').select(['channel', 'method', 'at', 'confirmed_at', 'withdrawn_at', 'evidence', 'categories'])
      .where('contact_id', '=', contactId).orderBy('at').execute();
    assert.deepEqual(data.consents, consents);
    const activity = await t.db.selectFrom('activity_events').select(['type', 'at', 'categories']).where('contact_id', '=', contactId).orderBy('at').execute();
    assert.deepEqual(data.activity, activity);
    const suppressions = await t.db.selectFrom('suppressions').select(['reason', 'at', 'channel', 'scope'])
      .where('contact_id', '=', contactId).where('lifted_at', 'is', null).orderBy('at').execute();
    assert.equal(suppressions.length, 1, 'the lifted suppression is not live');
    assert.deepEqual(data.suppressions, suppressions);
    assert.deepEqual(data.bounces, await t.db.selectFrom('bounces').select(['type', 'at', 'status']).where('contact_id', '=', contactId).execute());
  });

  it('finds nothing for another workspace or an unknown id', async () => {
    assert.equal(await loadEngineData(t.db, '00000000-0000-4000-8000-000000000000', contactId), undefined);
    assert.equal(await loadEngineData(t.db, workspaceId, '00000000-0000-4000-8000-000000000000'), undefined);
  });

  it('answers a batch of keys in order: each pair matches only its own workspace, bad ids match nothing', async () => {
    const other = await t.db.insertInto('workspaces').values({ name: 'O', slug: 'o', secret: 't'.repeat(40) } as any).returning('id').executeTakeFirstOrThrow();
    const theirs = await insertContact(t.db, other.id, {
      email: 'bob@example.de', phone: null, country: 'DE', kind: 'consumer', birthDate: null, customFields: {}, sourceType: 'import',
      sourceAt: null, collectedBy: 'us', sourceEvidence: [], sourceDetails: {}, registries: [],
    }, new Date('2026-01-05T12:00:00Z'));
    const out = await loadEngineDataFor(t.db, [
      { workspaceId, id: contactId }, { workspaceId, id: theirs.id }, { workspaceId: other.id, id: theirs.id },
      { workspaceId: other.id, id: contactId }, { workspaceId, id: 'not-a-uuid' }, { workspaceId, id: contactId.toUpperCase() },
    ]);
    assert.deepEqual(out.map((d) => d?.contact.email), ['anna@example.fr', undefined, 'bob@example.de', undefined, undefined, 'anna@example.fr']);
    assert.deepEqual(out[0], await loadEngineData(t.db, workspaceId, contactId));
  });

  it('the batching loader gives every concurrent caller its own answer', async () => {
    const load = createEngineDataLoader({ db: t.db, maxInFlight: 1 });
    const keys = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? { workspaceId, id: contactId } : { workspaceId, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
    const out = await Promise.all(keys.map((k) => load(k)));
    out.forEach((d, i) => assert.equal(d?.contact.id, i % 3 === 0 ? contactId : undefined, `key ${i}`));
  });
});
