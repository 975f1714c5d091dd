import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { generateDkimKey, importDkimKey } from '../senders/dkim-key.js';
import { buildMessage } from './mime-message.js';
import { dkimSignature, relaxedBody } from './dkim-sign.js';

const require = createRequire(import.meta.url);
const { dkimVerify } = require('mailauth/lib/dkim/verify.js') as { dkimVerify: (m: Buffer, o: object) => Promise<{ results: { status: { result: string }; signingHeaders: { keys: string } }[] }> };

const key = generateDkimKey({ domain: 'shop.example', selector: 'lw1' });
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === 'lw1._domainkey.shop.example') return [[key.dnsRecord]];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};

function message() {
  return buildMessage({
    from: { name: 'Shop', address: 'news@shop.example' }, to: 'ann@example.net', subject: 'Spring  sale ✓',
    messageId: 'k1@shop.example', date: new Date('2026-03-01T09:00:00Z'),
    headers: [['List-Unsubscribe', '<https://lists.example/u/tok>, <mailto:unsub@shop.example?subject=x>'], ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click']],
    text: 'Hello  Ann \n\n\n', html: '<p>Hello</p>',
  });
}

test('a real verifier (mailauth) accepts the signature, and h= covers the RFC 8058 pair', async () => {
  const { header, body } = message();
  const signed = dkimSignature({ signer: key, header, body, now: new Date() }) + header + '\r\n' + body;
  const out = await dkimVerify(Buffer.from(signed), { resolver });
  assert.equal(out.results[0].status.result, 'pass');
  const h = out.results[0].signingHeaders.keys.toLowerCase().split(': ').join(':');
  assert.match(h, /list-unsubscribe:list-unsubscribe/);
  assert.match(h, /list-unsubscribe-post/);
});

test('changing the body, the List-Unsubscribe URL, or adding a second List-Unsubscribe breaks it', async () => {
  const { header, body } = message();
  const sig = dkimSignature({ signer: key, header, body, now: new Date() });
  const variants = [
    sig + header + '\r\n' + body.replace('PHA+SGVsbG88L3A+', 'PHA+SGVMbG88L3A+'),
    sig + header.replace('/u/tok', '/u/other') + '\r\n' + body,
    sig + header + 'List-Unsubscribe: <https://evil.example/>\r\n' + '\r\n' + body,
  ];
  for (const v of variants) {
    const out = await dkimVerify(Buffer.from(v), { resolver });
    assert.notEqual(out.results[0].status.result, 'pass');
  }
});

test('Ed25519 (RFC 8463): mailauth verifies ed25519-sha256 against the k=ed25519 record, and a change breaks it', async () => {
  const ed = generateDkimKey({ domain: 'shop.example', selector: 'ed1', type: 'ed25519' });
  assert.match(ed.dnsRecord, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/, 'the bare 32-byte key');
  const edResolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === 'ed1._domainkey.shop.example') return [[ed.dnsRecord]];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  const { header, body } = message();
  const sig = dkimSignature({ signer: ed, header, body, now: new Date() });
  assert.match(sig, /a=ed25519-sha256/);
  const out = await dkimVerify(Buffer.from(sig + header + '\r\n' + body), { resolver: edResolver }) as unknown as { results: { status: { result: string }; algo: string }[] };
  assert.equal(out.results[0].status.result, 'pass');
  assert.equal(out.results[0].algo, 'ed25519-sha256');
  const changed = await dkimVerify(Buffer.from(sig + header.replace('/u/tok', '/u/other') + '\r\n' + body), { resolver: edResolver });
  assert.notEqual(changed.results[0].status.result, 'pass');
  // The same PEM imported again gives the same key type and record.
  const again = importDkimKey({ domain: 'shop.example', selector: 'ed1', pem: ed.privateKeyPem });
  assert.ok(again.ok);
  assert.equal(again.value.type, 'ed25519');
  assert.equal(again.value.dnsRecord, ed.dnsRecord);
});

test('relaxed body canonicalization follows RFC 6376 §3.4.4', () => {
  assert.equal(relaxedBody(' C \r\nD \t E\r\n\r\n\r\n'), ' C\r\nD E\r\n');
  assert.equal(relaxedBody('\r\n\r\n'), '');
  assert.equal(relaxedBody('x'), 'x\r\n');
});

test('relaxed body: the shortcut for bodies without tabs, double spaces or trailing blanks equals the full rules', () => {
  const full = (b: string) => { const o = b.replace(/[ \t]+(?=\r\n|$)/g, '').replace(/[ \t]+/g, ' ').replace(/(\r\n)+$/, ''); return o ? o + '\r\n' : ''; };
  const samples = ['a b\r\nc\r\n\r\n', 'PHA+SGVsbG88L3A+\r\n--b--\r\n', 'x y', 'x \r\n', 'a\tb', 'a  b\r\n', 'end ', '\r\n', '', 'a\r\n\r\nb\r\n', 'a\n\r\n'];
  for (const s of samples) assert.equal(relaxedBody(s), full(s), JSON.stringify(s));
  const { body } = message();
  assert.equal(relaxedBody(body), full(body));
});

test('relaxed header fields: a field with a tab, a run of spaces or a fold verifies as one without (the shortcut for plain fields)', async () => {
  for (const extra of [['Feedback-ID', 'a:b:c:listwarden'], ['Feedback-ID', 'a:\tb:c  :listwarden '], ['Feedback-ID', 'a:b:c:list\r\n warden']] as [string, string][]) {
    const { header, body } = message();
    // a header whose value still holds the whitespace (buildMessage would flatten it): written in after building
    const withExtra = header + `${extra[0]}: ${extra[1]}\r\n`;
    const signed = dkimSignature({ signer: key, header: withExtra, body, now: new Date() }) + withExtra + '\r\n' + body;
    const out = await dkimVerify(Buffer.from(signed), { resolver });
    assert.equal(out.results[0].status.result, 'pass', JSON.stringify(extra));
    assert.match(out.results[0].signingHeaders.keys.toLowerCase(), /feedback-id/);
  }
});
