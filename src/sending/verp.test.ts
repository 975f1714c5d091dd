import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeVerp, encodeVerp } from './verp.js';

const secret = 'verp-test-secret-0123456789';

test('a UUID pair survives the round trip and fits in a 64-octet local part', () => {
  fc.assert(fc.property(fc.uuid(), fc.uuid(), (sendId, recipientId) => {
    const address = encodeVerp({ sendId, recipientId, domain: 'Bounces.Example.com', secret });
    assert.ok(address.split('@')[0].length <= 64, address);
    assert.ok(address.endsWith('@bounces.example.com'));
    assert.deepEqual(decodeVerp({ address, secret }), { sendId: sendId.toLowerCase(), recipientId: recipientId.toLowerCase() });
  }));
});

test('integer ids round-trip too, and case changes by relays are ignored', () => {
  const address = encodeVerp({ sendId: '42', recipientId: '9007199254740993', domain: 'b.example', secret });
  assert.deepEqual(decodeVerp({ address: address.toUpperCase(), secret }), { sendId: '42', recipientId: '9007199254740993' });
  assert.deepEqual(decodeVerp({ address: `<${address}>`, secret }), { sendId: '42', recipientId: '9007199254740993' });
});

test('a forged or altered return path is refused', () => {
  const address = encodeVerp({ sendId: '42', recipientId: '7', domain: 'b.example', secret });
  assert.equal(decodeVerp({ address, secret: 'another-secret-0123456789' }), undefined);
  const [local, domain] = address.split('@');
  const parts = local.split('-');
  parts[2] = 'n8';
  assert.equal(decodeVerp({ address: `${parts.join('-')}@${domain}`, secret }), undefined);
  for (const junk of ['', 'postmaster@b.example', 'b-x-y@b', 'b-n1-n2-zzzzzzz@b', 'b-n1-n2-abc-def@b']) {
    assert.equal(decodeVerp({ address: junk, secret }), undefined, junk);
  }
});

test('ids that cannot be compacted are a programming error', () => {
  assert.throws(() => encodeVerp({ sendId: 'abc', recipientId: '1', domain: 'b.example', secret }), /unsupported id/);
});
