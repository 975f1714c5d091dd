import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseCase } from '../engine/parse-case.js';
import type { EngineData } from './contacts.repository.js';
import { evidenceReferences, toEngineContact } from './to-engine-contact.js';

const d = (s: string) => new Date(s);
const data: EngineData = {
  contact: {
    id: 'c1', workspace_id: 'w1', email: 'anna@example.fr', phone: null, country: 'FR', kind: 'consumer', birth_date: '1990-05-01',
    custom_fields: { shoe: 41 }, source_type: 'checkout', source_at: d('2026-01-05T12:00:00Z'), collected_by: 'us',
    source_evidence: ['order:123'], source_details: { legitimateInterest: { roleRelevant: true } }, registries: ['bloctel'],
    created_at: d('2026-01-05T12:00:00Z'), updated_at: d('2026-01-05T12:00:00Z'),
  },
  consents: [{ channel: 'email', method: 'purchase_notice', at: d('2026-01-05T12:00:00Z'), confirmed_at: null, withdrawn_at: d('2026-02-01T00:00:00Z'), evidence: { formId: 'checkout', formVersion: 2, ip: '203.0.113.5' }, categories: ['shoes'] }],
  activity: [
    { type: 'purchase', at: d('2026-01-05T12:00:00Z'), categories: ['shoes'] },
    { type: 'inquiry', at: d('2026-01-06T12:00:00Z'), categories: [] },
    { type: 'click', at: d('2026-01-07T12:00:00Z'), categories: [] },
  ],
  suppressions: [{ reason: 'unsubscribe', at: d('2026-02-02T00:00:00Z'), channel: 'all', scope: 'marketing' }],
  bounces: [{ type: 'soft', at: d('2026-01-08T00:00:00Z'), status: '4.2.2' }],
};

it('maps a stored contact to the contract\'s contact, which the engine accepts', () => {
  const c = toEngineContact(data);
  assert.equal(c.email, 'anna@example.fr');
  assert.equal(c.birthDate, '1990-05-01');
  assert.deepEqual(c.source, { type: 'checkout', collectedBy: 'us', evidence: ['order:123'], at: '2026-01-05T12:00:00.000Z', legitimateInterest: { roleRelevant: true } });
  assert.deepEqual(c.consents![0].evidence, ['form:checkout@2', 'ip:203.0.113.5']);
  assert.equal(c.consents![0].withdrawnAt, '2026-02-01T00:00:00.000Z');
  assert.deepEqual(c.purchases, [{ at: '2026-01-05T12:00:00.000Z', categories: ['shoes'] }]);
  assert.deepEqual(c.inquiries, [{ at: '2026-01-06T12:00:00.000Z' }]);
  assert.deepEqual(c.activity!.map((a) => a.type), ['purchase', 'click'], 'inquiry is not an engine activity type');
  assert.deepEqual(c.registries, ['bloctel']);
  const parsed = parseCase({ contact: c, message: { channel: 'email', purpose: 'marketing' } });
  assert.ok(parsed.ok, JSON.stringify(parsed));
});

it('turns evidence objects and arrays into references', () => {
  assert.deepEqual(evidenceReferences(['doc:1']), ['doc:1']);
  assert.deepEqual(evidenceReferences({ wordingHash: 'h', userAgent: 'UA', documents: ['scan.pdf'] }), ['wording:h', 'user-agent:UA', 'scan.pdf']);
  assert.deepEqual(evidenceReferences({}), []);
  assert.deepEqual(evidenceReferences(null), []);
});
