import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitMbox } from './mbox.js';

const box = [
  'From MAILER-DAEMON Mon Sep 20 19:29:27 2021',
  'From: a@example.org',
  'Subject: one',
  '',
  'body one',
  '>From the start, this line was escaped',
  '>>From twice escaped',
  '',
  'From bob@example.net Tue Sep 21 10:00:00 2021',
  'From: b@example.net',
  'Subject: two',
  '',
  'body two',
  '',
  '>From here on, an escaped line after a blank line stays in the body',
].join('\n');

test('splits on From lines after a blank line and undoes mboxrd escaping', () => {
  const parts = splitMbox(box).map((b) => b.toString('latin1'));
  assert.equal(parts.length, 2);
  assert.match(parts[0], /^From: a@example.org\nSubject: one\n\nbody one\nFrom the start/);
  assert.match(parts[0], /\n>From twice escaped\n$/);
  assert.match(parts[1], /^From: b@example.net/);
  assert.match(parts[1], /\n\nFrom here on, an escaped line/);
});

test('CRLF and bare CR are read; a file with no From line has no messages', () => {
  const crlf = 'From x Mon\r\nFrom: a@b.c\r\n\r\nhi\r\n\r\nFrom y Tue\r\nFrom: d@e.f\r\n\r\nho\r\n';
  assert.equal(splitMbox(crlf).length, 2);
  assert.equal(splitMbox(crlf.replace(/\r\n/g, '\r')).length, 2);
  assert.deepEqual(splitMbox('just text\n'), []);
  assert.deepEqual(splitMbox(''), []);
});
