/**
 * Messages sent `verbatim` skip nodemailer's DATA escaping: a real SMTP server on loopback must receive exactly
 * the bytes given, and the check that allows it (`isSmtpVerbatim`) must never allow a message that needs
 * escaping (a dot line would otherwise end the data early or lose its dot).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SMTPServer } from 'smtp-server';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { makeSelfSignedCertificate } from './support/tls-cert.js';
import { createSmtpConnections, type FinalDot, type FinishMessage, type SmtpConnections } from '../src/sending/smtp-connections.js';
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

test('nodemailer still has the DATA stream internals that the verbatim path and the written dot use (an update that drops them fails here, not silently)', async () => {
  const { default: SMTPConnection } = await import('nodemailer/lib/smtp-connection');
  const create = (SMTPConnection.prototype as unknown as { _createSendStream?: (this: unknown, cb: unknown) => Record<string, unknown> })._createSendStream;
  assert.equal(typeof create, 'function', 'SMTPConnection#_createSendStream');
  // Called as nodemailer calls it after DATA is accepted, on a stand-in socket.
  const { PassThrough } = await import('node:stream');
  const socket = new PassThrough();
  const stream = create!.call({ _envelope: {}, options: {}, _responseActions: [], _socket: socket }, () => undefined);
  assert.equal(typeof stream._transform, 'function');
  for (const field of ['lastByte', 'outByteCount', 'inByteCount']) assert.ok(field in stream, `the DATA stream's ${field}`);
  // What sendGated needs to write the final dot itself: the stream's _flush (which it silences) and its pipe to _socket.
  assert.equal(typeof stream._flush, 'function');
  assert.ok((stream._readableState as { pipes?: unknown[] }).pipes?.includes(socket), 'the DATA stream is piped to _socket');
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

/**
 * `sendGated` (the send worker's path): the final "." waits for `finish`, which then writes it to the socket
 * itself ('written'), beside the caller's COMMIT. The body must arrive as the escaping path delivers it, the dot
 * never ahead of body bytes, and the reply after the dot must still be read.
 */
function gated(conns: SmtpConnections, raw: Buffer, verbatim: boolean, go: (finish: FinishMessage) => Promise<void>) {
  return conns.sendGated({ from: 'b@bounces.example', to: 'r@example.net' }, raw, { verbatim, gate: (finish) => { go(finish).catch(() => finish(new Error('gate failed'))); } });
}
const later = () => new Promise((r) => setTimeout(r, 5));

test('sendGated: the dot waits for finish, is written straight to the socket, and the message arrives as the escaping path delivers it', async () => {
  const hows: (FinalDot | undefined)[] = [];
  await fc.assert(fc.asyncProperty(message, async (m) => {
    const raw = Buffer.from(m, 'utf8');
    const before = sink.messages.length;
    const a = await gated(smtp, raw, isSmtpVerbatim(m), async (finish) => {
      await later();
      assert.equal(sink.messages.length, before, 'nothing accepted before the dot is allowed');
      hows.push(finish(true));
    });
    const b = await smtp.send({ from: 'b@bounces.example', to: 'r@example.net' }, raw);
    assert.ok(a.ok && b.ok, JSON.stringify([a, b]));
    const [viaGate, viaEscaping] = sink.messages.slice(before).map((x) => x.raw);
    assert.deepEqual(viaGate, viaEscaping, JSON.stringify(m));
  }), { numRuns: 100 });
  // The fast path of this nodemailer: an update without these internals would stream every dot (and fail here).
  assert.deepEqual([...new Set(hows)], ['written']);
});

test('sendGated: a large body under socket back-pressure is all in the kernel before the gate opens; its dot goes after its last byte', async () => {
  // 6 MB of lines, some starting with a dot, and a last line without its line end: escaping and the ending both matter.
  const line = '.a line that starts with a dot and needs escaping\r\nplain text line of some length here\n';
  const raw = Buffer.from(`X-Test: big\r\n\r\n${line.repeat(Math.ceil(6_000_000 / line.length))}last line, no end`);
  const before = sink.messages.length;
  let how: FinalDot | undefined;
  const a = await gated(smtp, raw, false, async (finish) => { how = finish(true); });
  const b = await smtp.send({ from: 'b@bounces.example', to: 'r@example.net' }, raw);
  assert.ok(a.ok && b.ok, JSON.stringify([a, b]));
  assert.equal(how, 'written');
  const [viaGate, viaEscaping] = sink.messages.slice(before).map((x) => x.raw);
  assert.equal(viaGate.length, viaEscaping.length);
  assert.ok(viaGate.equals(viaEscaping), 'the same bytes as the escaping path');
});

test('sendGated: finish(false) sends nothing, and the connection goes on with the next message', async () => {
  const one = createSmtpConnections({ target: { host: sink.host, port: sink.port }, size: 1 });
  try {
    const before = sink.messages.length;
    const lost = await gated(one, Buffer.from('X-Test: 1\r\n\r\nnot to be sent\r\n'), true, async (finish) => { await later(); finish(false); });
    assert.equal(lost.ok, false);
    assert.match(lost.ok ? '' : lost.error ?? '', /claim lost/);
    let how: FinalDot | undefined;
    const next = await gated(one, Buffer.from('X-Test: 2\r\n\r\nsent\r\n'), true, async (finish) => { await later(); how = finish(true); });
    assert.ok(next.ok, JSON.stringify(next));
    assert.equal(how, 'written');
    assert.deepEqual(sink.messages.slice(before).map((x) => x.raw.toString()), ['X-Test: 2\r\n\r\nsent\r\n']);
  } finally {
    await one.close();
  }
});

test('sendGated: the reply after a written dot is read as before: 250 sent, 451 and 550 refusals with their codes', async () => {
  const picky = await startSmtpSink({ refuseData: (rcpts) => {
    if (rcpts.includes('later@example.net')) return { code: 451, message: '4.3.0 Try again later' };
    if (rcpts.includes('refused@example.net')) return { code: 550, message: '5.7.1 Content refused' };
    return undefined;
  } });
  const one = createSmtpConnections({ target: { host: picky.host, port: picky.port }, size: 1 });
  try {
    const hows: (FinalDot | undefined)[] = [];
    const send = (to: string) => one.sendGated({ from: 'b@bounces.example', to }, Buffer.from(`X-To: ${to}\r\n\r\nhi\r\n`), {
      verbatim: true, gate: (finish) => { setTimeout(() => hows.push(finish(true)), 5); },
    });
    const later451 = await send('later@example.net');
    const refused = await send('refused@example.net');
    const fine = await send('fine@example.net');
    assert.equal(later451.ok, false);
    assert.equal(!later451.ok && later451.responseCode, 451);
    assert.equal(!refused.ok && refused.responseCode, 550);
    assert.match(!refused.ok ? refused.response ?? '' : '', /5\.7\.1 Content refused/);
    assert.ok(fine.ok, JSON.stringify(fine));
    assert.deepEqual(hows, ['written', 'written', 'written']);
    assert.deepEqual(picky.messages.map((x) => x.to), [['fine@example.net']]);
  } finally {
    await one.close();
    await picky.close();
  }
});

test('sendGated over STARTTLS: the dot is written at once there too, and the message arrives intact', async () => {
  const cert = makeSelfSignedCertificate();
  const received: Buffer[] = [];
  const relay = new SMTPServer({
    key: cert.key, cert: cert.cert, authOptional: true, logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => { received.push(Buffer.concat(chunks)); callback(); });
    },
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
  const port = (relay as unknown as { server: { address(): { port: number } } }).server.address().port;
  const tls = createSmtpConnections({ target: { host: '127.0.0.1', port, requireTls: true, ca: cert.cert }, size: 1 });
  try {
    const hows: (FinalDot | undefined)[] = [];
    const bodies = ['X-N: 1\r\n\r\nshort\r\n', `X-N: 2\r\n\r\n${'a longer line\r\n'.repeat(3000)}`, 'X-N: 3\r\n\r\n.dot line, no end'];
    for (const text of bodies) {
      const o = await tls.sendGated({ from: 'b@bounces.example', to: 'r@example.net' }, Buffer.from(text), {
        verbatim: isSmtpVerbatim(text), gate: (finish) => { setTimeout(() => hows.push(finish(true)), 5); },
      });
      assert.ok(o.ok, JSON.stringify(o));
    }
    assert.deepEqual(hows, ['written', 'written', 'written']);
    assert.deepEqual(received.map((b) => b.toString()), [bodies[0], bodies[1], 'X-N: 3\r\n\r\n.dot line, no end\r\n']);
  } finally {
    await tls.close();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
    cert.remove();
  }
});

test('a relay that refuses the login leaves no connection open: each failed attempt closes its own', async () => {
  let open = 0;
  let auths = 0;
  const server = new SMTPServer({ logger: false, authOptional: false, allowInsecureAuth: true, disabledCommands: ['STARTTLS'],
    onConnect(_s, cb) { open++; cb(); }, onClose() { open--; },
    onAuth(_a, _s, cb) { auths++; cb(new Error('bad credentials')); } });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  const conns = createSmtpConnections({ target: { host: '127.0.0.1', port, user: 'u', pass: 'p' }, size: 2 });
  try {
    for (let i = 0; i < 5; i++) {
      const o = await conns.send({ from: 'a@b.example', to: 'c@d.example' }, Buffer.from('X: y\r\n\r\nhi\r\n'));
      assert.equal(o.ok, false);
      assert.match('error' in o ? String(o.error) : '', /^connect: /);
    }
    assert.equal(auths, 5);
    for (let i = 0; i < 100 && open > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(open, 0, 'connections left open after refused logins');
  } finally {
    await conns.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
