import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { startSmtpSink } from '../../test/support/smtp-sink.js';
import { createMailSender } from './mail-sender.js';

test('sends a real message over SMTP on loopback', async () => {
  const sink = await startSmtpSink();
  const lines: Record<string, unknown>[] = [];
  const sender = createMailSender({ transport: { kind: 'smtp', host: sink.host, port: sink.port }, from: 'Listwarden <noreply@example.org>', log: (l) => lines.push(l) });
  try {
    const r = await sender.send({ to: 'ann@example.com', subject: 'Confirm — ça va', text: 'Click https://x/p/confirm?t=SECRET', html: '<p>Click</p>' });
    assert.equal(r.ok, true);
    await sink.waitFor(1);
    const mail = await sink.parse(0);
    assert.equal(mail.subject, 'Confirm — ça va');
    assert.equal(mail.text?.trim(), 'Click https://x/p/confirm?t=SECRET');
    assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
    assert.deepEqual(sink.messages[0].to, ['ann@example.com']);
    assert.ok(!JSON.stringify(lines).includes('SECRET'), 'the body (with its signed link) is never logged');
  } finally {
    await sender.close();
    await sink.close();
  }
});

test('a refused recipient comes back as a permanent failure, not a throw', async () => {
  const sink = await startSmtpSink({ reject: () => ({ code: 550, message: '5.1.1 User unknown' }) });
  const sender = createMailSender({ transport: { kind: 'smtp', host: sink.host, port: sink.port }, from: 'noreply@example.org' });
  try {
    const r = await sender.send({ to: 'nobody@example.com', subject: 's', text: 't' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.permanent, true);
  } finally {
    await sender.close();
    await sink.close();
  }
});

test('the log transport builds the MIME message, keeps it in the outbox and logs no body', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-outbox-'));
  const lines: Record<string, unknown>[] = [];
  const sender = createMailSender({ transport: { kind: 'log', outboxDir: dir }, from: 'noreply@example.org', log: (l) => lines.push(l) });
  try {
    const r = await sender.send({ to: 'bob@example.com', subject: 'Hello', text: 'token=SECRET' });
    assert.equal(r.ok, true);
    const files = await readdir(dir);
    assert.equal(files.length, 1);
    const parsed = await simpleParser(await readFile(join(dir, files[0])));
    assert.equal(parsed.text?.trim(), 'token=SECRET');
    assert.equal(lines.length, 1);
    assert.ok(!JSON.stringify(lines).includes('SECRET'));
  } finally {
    await sender.close();
    await rm(dir, { recursive: true, force: true });
  }
});
