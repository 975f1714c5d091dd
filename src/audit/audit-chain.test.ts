import assert from 'node:assert/strict';
import { it } from 'node:test';
import { auditHash, canonicalJson, genesisHash, type AuditFields } from './audit-chain.js';

const entry: AuditFields = {
  workspaceId: 'w1', at: new Date('2026-03-01T09:00:00Z'), actorType: 'token', actorId: 't1', action: 'contact.update',
  targetType: 'contact', targetId: 'c1', ip: '203.0.113.1', details: { fields: ['email'], n: 1 },
};

it('canonical JSON ignores key order at every level, but not array order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
  assert.equal(canonicalJson({ a: { c: 1, d: 2 } }), canonicalJson({ a: { d: 2, c: 1 } }));
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
});

it('an entry hash depends on the previous hash and on every field', () => {
  const h = auditHash(genesisHash, entry);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(auditHash(genesisHash, { ...entry, details: { n: 1, fields: ['email'] } }), h);
  assert.notEqual(auditHash(h, entry), h);
  for (const change of [{ actorId: 't2' }, { action: 'contact.erase' }, { at: new Date('2026-03-01T09:00:01Z') }, { ip: null }, { details: { fields: ['phone'], n: 1 } }]) {
    assert.notEqual(auditHash(genesisHash, { ...entry, ...change }), h, JSON.stringify(change));
  }
});
