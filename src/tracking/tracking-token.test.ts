import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signTracking, verifyTracking } from './tracking-token.js';

const secret = 'tracking-test-secret-0123456789';
const now = new Date('2026-03-01T00:00:00Z');

test('a tracking token verifies until it expires', () => {
  const token = signTracking({ sendId: 12, recipientId: 345678, secret, expiresAt: new Date('2026-04-01T00:00:00Z') });
  assert.deepEqual(verifyTracking({ token, secret, now }), { ok: true, value: { sendId: 12, recipientId: 345678 } });
  assert.deepEqual(verifyTracking({ token, secret, now: new Date('2026-04-01T00:00:00Z') }), { ok: false, code: 'expired' });
});

test('altered ids, another secret or junk are refused', () => {
  const token = signTracking({ sendId: 12, recipientId: 7, secret, expiresAt: new Date('2027-01-01T00:00:00Z') });
  const parts = token.split('.');
  assert.equal(verifyTracking({ token: [parts[0], '8', parts[2], parts[3]].join('.'), secret, now }).ok, false);
  assert.deepEqual(verifyTracking({ token, secret: 'another-secret-0123456789', now }), { ok: false, code: 'tampered' });
  for (const junk of ['', 'a.b.c', 'x.y.z.w', `${'9'.repeat(300)}`]) assert.equal(verifyTracking({ token: junk, secret, now }).ok, false);
});
