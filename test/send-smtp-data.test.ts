/**
 * Messages sent `verbatim` skip nodemailer's DATA escaping: a real SMTP server on loopback must receive exactly
 * the bytes given, and the check that allows it (`isSmtpVerbatim`) must never allow a message that needs
 * escaping (a dot line would otherwise end the data early or lose its dot).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createSmtpConnections, type SmtpConnections } from '../src/sending/smtp-connections.js';
import { isSmtpVerbatim } from '../src/sending/smtp-data.js';

let sink: SmtpSink;
let smtp: SmtpConnections;
before(async () => {
  sink = await startSmtpSink();
  smtp = createSmtpConnections({ target: { host: sink.host, port: sink.port }, size: 2 });
});
after(async () => { await smtp.close(); await sink.close(); });

const piece = fc.constantFrom('a', 'é', '.', '..', ' ', '\r\n', '\r\n.', '\n', '\r', 'Subject: x', '=2E', '😀');
const message = fc.array(piece, { minLength: 1, maxLength: 30 }).map((a) => `X-Test: 1\r\n\r\n${a.join('')}\r\n`);

test('isSmtpVerbatim is the definition: CRLF line ends only, no line starting with a dot', () => {
  fc.assert(fc.property(fc.oneof(message, fc.array(piece).map((a) => a.join(''))), (m) => {
    const reference = !/(^|\n)\./.test(m) && !/\r(?!\n)|(?<!\r)\n/.test(m);
    assert.equal(isSmtpVerbatim(m), reference, JSON.stringify(m));
  }), { numRuns: 2000 });
});

test('a verbatim message arrives byte for byte, exactly as the escaping path delivers it', async () => {
  let verbatimSeen = 0;
  await fc.assert(fc.asyncProperty(message, async (m) => {
    const raw = Buffer.from(m, 'utf8');
    const verbatim = isSmtpVerbatim(m);
    if (verbatim) verbatimSeen += 1;
    const before = sink.messages.length;
    const a = await smtp.send({ from: 'b@bounces.example', to: 'r@example.net' }, raw, { verbatim });
    const b = await smtp.send({ from: 'b@bounces.example', to: 'r@example.net' }, raw);
    assert.ok(a.ok && b.ok, JSON.stringify([a, b]));
    const [viaVerbatim, viaEscaping] = sink.messages.slice(before).map((x) => x.raw);
    assert.deepEqual(viaVerbatim, viaEscaping, JSON.stringify(m));
    if (verbatim) assert.deepEqual(viaVerbatim, raw);
  }), { numRuns: 150 });
  assert.ok(verbatimSeen > 10, `generated verbatim messages: ${verbatimSeen}`);
});

test('nodemailer still has the DATA stream internals that the verbatim path replaces (an update that drops them fails here, not silently)', async () => {
  const { default: SMTPConnection } = await import('nodemailer/lib/smtp-connection');
  const create = (SMTPConnection.prototype as unknown as { _createSendStream?: (this: unknown, cb: unknown) => Record<string, unknown> })._createSendStream;
  assert.equal(typeof create, 'function', 'SMTPConnection#_createSendStream');
  // Called as nodemailer calls it after DATA is accepted, on a stand-in socket.
  const { PassThrough } = await import('node:stream');
  const stream = create!.call({ _envelope: {}, options: {}, _responseActions: [], _socket: new PassThrough() }, () => undefined);
  assert.equal(typeof stream._transform, 'function');
  for (const field of ['lastByte', 'outByteCount', 'inByteCount']) assert.ok(field in stream, `the DATA stream's ${field}`);
});

test('a refused connection is answered as a connection error at once, not waited on for ever', { timeout: 10_000 }, async () => {
  const { createServer } = await import('node:net');
  // a port that was free a moment ago: nothing listens on it
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const down = createSmtpConnections({ target: { host: '127.0.0.1', port }, size: 2 });
  try {
    const outcomes = await Promise.all([1, 2, 3].map(() => down.send({ from: 'b@bounces.example', to: 'r@example.net' }, Buffer.from('X-Test: 1\r\n\r\nhi\r\n'))));
    for (const o of outcomes) {
      assert.equal(o.ok, false);
      assert.match(o.ok ? '' : o.error ?? '', /^connect: .*ECONNREFUSED/);
    }
  } finally {
    await down.close();
  }
});
