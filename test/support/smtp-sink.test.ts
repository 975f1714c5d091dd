import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startSmtpSink } from './smtp-sink.js';

test('the loopback sink records accepted mail and refuses chosen recipients', async () => {
  const sink = await startSmtpSink({ reject: (r) => (r.startsWith('dead@') ? { code: 550, message: '5.1.1 User unknown' } : undefined) });
  try {
    const transport = nodemailer.createTransport({ host: sink.host, port: sink.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'a@example.org', to: 'b@example.org', subject: 'Hi', text: 'Hello' });
    await assert.rejects(
      transport.sendMail({ from: 'a@example.org', to: 'dead@example.org', subject: 'Hi', text: 'Hello' }),
      (err: Error & { responseCode?: number }) => err.responseCode === 550,
    );
    await sink.waitFor(1);
    const mail = await sink.parse(0);
    assert.equal(mail.subject, 'Hi');
    assert.deepEqual(sink.messages[0].to, ['b@example.org']);
    assert.equal(sink.count(), 1);
  } finally {
    await sink.close();
  }
});
