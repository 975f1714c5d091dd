import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReturnedMail } from './parse.js';

const dsn = [
  'Return-Path: <>',
  'X-Original-To: bounces+s42-r7@lw.example',
  'Delivered-To: bounces+s42-r7@lw.example',
  'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
  'To: bounces+s42-r7@lw.example',
  'Subject: Undelivered Mail Returned to Sender',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain',
  '',
  '<Gone@Example.org>: host mx.example.org[192.0.2.9] said: 550 5.1.1 <gone@example.org>:',
  '    Recipient address rejected: User unknown (in reply to RCPT TO command)',
  '',
  '--b',
  'Content-Type: message/delivery-status',
  '',
  'Reporting-MTA: dns; mx.example.net',
  '',
  'Final-Recipient: rfc822; Gone@Example.org',
  'Original-Recipient: rfc822; gone@example.org',
  'Action: failed',
  'Status: 5.1.1',
  'Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown',
  '',
  '--b',
  'Content-Type: text/rfc822-headers',
  '',
  'Message-ID: <send-42.7@lw.example>',
  'From: news@lw.example',
  'To: Gone <gone@example.org>',
  'Subject: hello',
  '',
  '--b--',
  '',
].join('\n');

test('a DSN gives the failed recipient, and what intake needs to match it to the send', async () => {
  const report = await parseReturnedMail(dsn);
  assert.equal(report.kind, 'bounce');
  assert.deepEqual(report.recipients.map((r) => [r.address, r.status, r.replyCode, r.reason, r.hard]), [['gone@example.org', '5.1.1', '550', 'userunknown', true]]);
  assert.deepEqual(report.original, { messageId: 'send-42.7@lw.example', to: 'gone@example.org', envelopeRecipient: 'gone@example.org', returnPath: 'bounces+s42-r7@lw.example' });
});

test('CRLF and bare CR line endings read the same as LF', async () => {
  const lf = await parseReturnedMail(dsn);
  assert.deepEqual(await parseReturnedMail(Buffer.from(dsn.replace(/\n/g, '\r\n'))), lf);
  assert.deepEqual(await parseReturnedMail(dsn.replace(/\n/g, '\r')), lf);
});

test('a feedback report is a complaint with its feedback type', async () => {
  const arf = [
    'From: feedback@isp.example', 'To: fbl@lw.example', 'Subject: complaint', 'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="f"', '',
    '--f', 'Content-Type: text/plain', '', 'A complaint.', '',
    '--f', 'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', 'User-Agent: x/1', 'Version: 1',
    'Original-Rcpt-To: <Reader@Example.com>', '',
    '--f', 'Content-Type: text/rfc822-headers', '', 'Message-ID: <send-9@lw.example>', 'To: reader@example.com', '', '--f--', '',
  ].join('\r\n');
  const report = await parseReturnedMail(arf);
  assert.equal(report.kind, 'complaint');
  assert.deepEqual(report.recipients.map((r) => [r.address, r.reason, r.feedbackType, r.hard]), [['reader@example.com', 'feedback', 'abuse', false]]);
  assert.equal(report.original.messageId, 'send-9@lw.example');
});

test('what is not mail is unreadable, with an error, and nothing throws', async () => {
  for (const raw of ['', 'just some words', Buffer.from([0, 1, 2, 3, 255, 254])]) {
    const report = await parseReturnedMail(raw);
    assert.equal(report.kind, 'unreadable');
    assert.match(report.error ?? '', /not an email/);
  }
});

test('a delay notice is delayed, not a bounce', async () => {
  const delay = dsn.replace('Action: failed', 'Action: delayed').replace('Status: 5.1.1', 'Status: 4.4.1')
    .replace('Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown', 'Diagnostic-Code: smtp; 421 4.4.1 connection timed out')
    .replace('Subject: Undelivered Mail Returned to Sender', 'Subject: Delayed Mail (still being retried)')
    .replace(/<Gone@Example.org>: host[^\n]*\n[^\n]*\n/, '<gone@example.org>: connect to mx.example.org: Connection timed out\n');
  const report = await parseReturnedMail(delay);
  assert.equal(report.kind, 'delayed');
  assert.equal(report.recipients[0].hard, false);
  assert.equal(report.recipients[0].status, '4.4.1');
});

test('any input gives a report, never a throw (property)', async () => {
  const fc = await import('fast-check');
  const kinds = new Set(['bounce', 'delayed', 'delivered', 'complaint', 'auto_reply', 'not_bounce', 'unreadable']);
  const mailish = fc.array(fc.oneof(
    fc.constantFrom('From: MAILER-DAEMON@x.example', 'Content-Type: multipart/report; boundary="b"', '--b', '--b--',
      'Content-Type: message/delivery-status', 'Final-Recipient: rfc822; a@b.example', 'Action: failed', 'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 user unknown', 'Content-Type: message/feedback-report', 'Feedback-Type: abuse', ''),
    fc.string({ maxLength: 80 }),
  ), { maxLength: 40 }).map((lines) => lines.join('\r\n'));
  await fc.assert(fc.asyncProperty(fc.oneof(mailish, fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a))), async (raw) => {
    const report = await parseReturnedMail(raw);
    assert.ok(kinds.has(report.kind));
    for (const r of report.recipients) assert.equal(r.address, r.address.toLowerCase());
  }), { numRuns: 300 });
});

test('the SMTP stage decides whether a bare "550 User unknown" is a dead mailbox or a filter', async () => {
  // The same Postfix report without enhanced codes, once saying which command was refused and once not.
  const bare = (stage: string) => dsn
    .replace('said: 550 5.1.1 <gone@example.org>:', 'said: 550 <gone@example.org>:')
    .replace('Recipient address rejected: User unknown (in reply to RCPT TO command)', `User unknown${stage}`)
    .replace('Status: 5.1.1\n', '')
    .replace('Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown', 'Diagnostic-Code: smtp; 550 <gone@example.org>: User unknown');
  const pick = (r: Awaited<ReturnType<typeof parseReturnedMail>>) => r.recipients.map((x) => [x.reason, x.hard, x.status]);
  assert.deepEqual(pick(await parseReturnedMail(bare(' (in reply to RCPT TO command)'))), [['userunknown', true, '5.0.911']]);
  assert.deepEqual(pick(await parseReturnedMail(bare(' (in reply to end of DATA command)'))), [['filtered', false, '5.0.910']]);
  assert.deepEqual(pick(await parseReturnedMail(bare(''))), [['filtered', false, '5.0.910']], 'unknown stage, no code: not proof enough');
});
