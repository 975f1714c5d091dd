import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sign, verify } from './tokens.js';

const secret = 'test-secret-0123456789abcdef';
const now = new Date('2026-03-01T12:00:00Z');
const later = new Date('2026-03-08T12:00:00Z');

test('a signed token verifies and gives back its payload, expiry and id', () => {
  const token = sign({ secret, purpose: 'unsubscribe', payload: { workspaceId: 'w1', contactId: 'c9', listId: 'l2' }, expiresAt: later });
  const result = verify({ secret, purpose: 'unsubscribe', token, now });
  assert.equal(result.ok, true);
  if (!result.ok) return;
  assert.deepEqual(result.value.payload, { workspaceId: 'w1', contactId: 'c9', listId: 'l2' });
  assert.equal(result.value.expiresAt.toISOString(), later.toISOString());
  assert.match(result.value.tokenId, /^[A-Za-z0-9_-]{16}$/);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
});

test('two tokens for the same subject get different ids', () => {
  const a = sign({ secret, purpose: 'confirm', payload: { workspaceId: 'w' }, expiresAt: later });
  const b = sign({ secret, purpose: 'confirm', payload: { workspaceId: 'w' }, expiresAt: later });
  assert.notEqual(a, b);
});

test('expired at and after the expiry instant, valid just before', () => {
  const token = sign({ secret, purpose: 'confirm', payload: { workspaceId: 'w' }, expiresAt: later });
  assert.deepEqual(verify({ secret, purpose: 'confirm', token, now: later }), { ok: false, code: 'expired' });
  assert.deepEqual(verify({ secret, purpose: 'confirm', token, now: new Date(later.getTime() + 1000) }), { ok: false, code: 'expired' });
  assert.equal(verify({ secret, purpose: 'confirm', token, now: new Date(later.getTime() - 1000) }).ok, true);
});

test('a token for one purpose is refused for another', () => {
  const token = sign({ secret, purpose: 'preferences', payload: { workspaceId: 'w' }, expiresAt: later });
  assert.deepEqual(verify({ secret, purpose: 'one-click-unsubscribe', token, now }), { ok: false, code: 'wrong_purpose' });
});

test('another secret, a changed payload or a changed MAC is tampered', () => {
  const token = sign({ secret, purpose: 'unsubscribe', payload: { workspaceId: 'w1', contactId: 'c1' }, expiresAt: later });
  assert.deepEqual(verify({ secret: 'another-secret-0123456789', purpose: 'unsubscribe', token, now }), { ok: false, code: 'tampered' });
  const [payload, mac] = token.split('.');
  const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('"c1"', '"c2"')).toString('base64url');
  assert.deepEqual(verify({ secret, purpose: 'unsubscribe', token: `${forged}.${mac}`, now }), { ok: false, code: 'tampered' });
  const flipped = mac.slice(0, -2) + (mac.at(-2) === 'A' ? 'B' : 'A') + mac.at(-1);
  assert.deepEqual(verify({ secret, purpose: 'unsubscribe', token: `${payload}.${flipped}`, now }), { ok: false, code: 'tampered' });
  assert.deepEqual(verify({ secret, purpose: 'unsubscribe', token: `${payload}.${mac.slice(0, 10)}`, now }), { ok: false, code: 'tampered' });
});

test('garbage is malformed, never a throw', () => {
  for (const token of ['', 'abc', 'a.b.c', 'a b.c', '.', 'x'.repeat(5000), '%%.%%']) {
    assert.deepEqual(verify({ secret, purpose: 'confirm', token, now }), { ok: false, code: 'malformed' }, token.slice(0, 20));
  }
  assert.deepEqual(verify({ secret, purpose: 'confirm', token: undefined as unknown as string, now }), { ok: false, code: 'malformed' });
});

test('a correctly signed payload that is not a token shape is malformed', async () => {
  const { createHmac } = await import('node:crypto');
  for (const body of ['[1]', '"s"', '{"p":"confirm","e":"soon","i":"x","w":"w"}', '{"p":"confirm","e":1,"i":"x"}', 'not json']) {
    const encoded = Buffer.from(body).toString('base64url');
    const mac = createHmac('sha256', secret).update('listwarden.token.v1.').update(encoded).digest('base64url');
    assert.deepEqual(verify({ secret, purpose: 'confirm', token: `${encoded}.${mac}`, now }), { ok: false, code: 'malformed' }, body);
  }
});

test('a short secret is refused at signing', () => {
  assert.throws(() => sign({ secret: 'short', purpose: 'confirm', payload: { workspaceId: 'w' }, expiresAt: later }), TypeError);
});

test('property: any payload round-trips; any single-character change is refused', () => {
  const id = fc.string({ minLength: 1, maxLength: 40 });
  fc.assert(fc.property(id, fc.option(id, { nil: undefined }), fc.option(id, { nil: undefined }), fc.nat({ max: 10_000 }), (w, c, l, pos) => {
    const payload = { workspaceId: w, ...(c !== undefined ? { contactId: c } : {}), ...(l !== undefined ? { listId: l } : {}) };
    const token = sign({ secret, purpose: 'my-data', payload, expiresAt: later });
    const ok = verify({ secret, purpose: 'my-data', token, now });
    assert.ok(ok.ok);
    assert.deepEqual(ok.ok && ok.value.payload, payload);
    const i = pos % token.length;
    if (token[i] === '.') return;
    const changed = token.slice(0, i) + (token[i] === 'a' ? 'b' : 'a') + token.slice(i + 1);
    // Changing the last character of a base64url string may alter only unused bits; refuse or equal, never a different payload.
    const r = verify({ secret, purpose: 'my-data', token: changed, now });
    if (r.ok) assert.deepEqual(r.value.payload, payload);
  }), { numRuns: 300 });
});

test('the payload is compact JSON in a fixed key order, so links already mailed keep verifying', () => {
  const payload = { workspaceId: 'w-1', contactId: 'c "é"', listId: 'l', campaignId: 'm', sendId: '42', signupId: 'u' };
  const token = sign({ secret, purpose: 'preferences', payload, expiresAt: new Date(1_800_000_000_500), tokenId: 'id-1' });
  const json = Buffer.from(token.split('.')[0], 'base64url').toString('utf8');
  assert.equal(json, JSON.stringify({ p: 'preferences', e: 1_800_000_000, i: 'id-1', w: 'w-1', c: 'c "é"', l: 'l', m: 'm', s: '42', u: 'u' }));
  const some = sign({ secret, purpose: 'unsubscribe', payload: { workspaceId: 'w-1', sendId: '7' }, expiresAt: new Date(1_800_000_000_000), tokenId: 'id-2' });
  assert.equal(Buffer.from(some.split('.')[0], 'base64url').toString('utf8'), '{"p":"unsubscribe","e":1800000000,"i":"id-2","w":"w-1","s":"7"}');
});
