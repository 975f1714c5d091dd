import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import fc from 'fast-check';
import { encode as qpEncode } from 'nodemailer/lib/qp';
import { base64Lines, buildMessage, qpEncodeText } from './mime-message.js';

const base = {
  from: { name: 'Café Ünïcode, "Shop"', address: 'news@shop.example' },
  to: 'ann@example.net',
  replyTo: 'help@shop.example',
  subject: 'Bonjour {{ étoile }} — 50 % off\r\nBcc: evil@example.org',
  messageId: 'abc.123@shop.example',
  date: new Date('2026-03-01T09:00:00Z'),
  headers: [['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click']] as [string, string][],
  text: 'Hello Ann,\nline two with trailing space \n' + 'x'.repeat(200),
  html: '<p>Hello <b>Ann</b> ✓</p>' + '<p>' + 'y'.repeat(300) + '</p>',
};

test('mailparser reads back every field and both parts exactly', async () => {
  const { header, body } = buildMessage(base);
  const mail = await simpleParser(Buffer.from(header + '\r\n' + body));
  assert.equal(mail.from?.value[0].name, 'Café Ünïcode, "Shop"');
  assert.equal(mail.from?.value[0].address, 'news@shop.example');
  assert.equal(mail.subject, 'Bonjour {{ étoile }} — 50 % off Bcc: evil@example.org');
  assert.equal(mail.messageId, '<abc.123@shop.example>');
  assert.equal(mail.date?.toISOString(), '2026-03-01T09:00:00.000Z');
  assert.deepEqual(mail.headerLines.filter((h) => h.key === 'list-unsubscribe-post').map((h) => h.line), ['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
  assert.equal(mail.headers.get('bcc'), undefined, 'a newline in the subject must not create a header');
  assert.equal(mail.text?.replace(/\r\n/g, '\n'), base.text);
  assert.equal(mail.html, base.html);
});

test('no header line is longer than 78 characters and every line ends in CRLF', () => {
  const { header, body } = buildMessage({ ...base, subject: 'a very long subject '.repeat(10) });
  for (const line of (header + body).split('\r\n')) assert.ok(line.length <= 78, line);
  assert.ok(!/[^\r]\n/.test(header + body));
});

test('base64 lines: the slicing equals the former regex wrap, on generated texts', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
    const reference = Buffer.from(text, 'utf8').toString('base64').replace(/.{76}(?=.)/g, '$&\r\n');
    assert.equal(base64Lines(text), reference);
  }), { numRuns: 1000 });
});

test('two messages never share a boundary', () => {
  const boundary = (m: { header: string }) => /boundary="([^"]+)"/.exec(m.header)?.[1];
  const a = boundary(buildMessage(base));
  const b = boundary(buildMessage(base));
  assert.ok(a && b && a !== b);
});

test('quoted-printable of plain ASCII by replaces equals nodemailer’s encoder, and any other text goes to it', () => {
  const samples = ['\ud800x', '😀 \n', '\x7f\x00', '', 'a=b', 'x \r\ny\t\r\n', 'end ', 'tab\t', 'a  \nb', ' \r', '==', 'naïve =', 'a\u0001b', 'é \r\n'];
  for (const s of samples) assert.equal(qpEncodeText(s), qpEncode(s), JSON.stringify(s));
  const ascii = fc.string({ unit: fc.constantFrom(' ', '\t', '\r', '\n', '=', 'a', 'Z', '.', '~', '\u0001', 'é', '·', '😀', '\ud800', '\x7f') , maxLength: 200 });
  fc.assert(fc.property(ascii, (s) => { assert.equal(qpEncodeText(s), qpEncode(s)); }), { numRuns: 3000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => { assert.equal(qpEncodeText(s), qpEncode(s)); }), { numRuns: 1000 });
});
