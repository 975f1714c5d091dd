/**
 * A fixed set of SMTP connections (nodemailer's `SMTPConnection`, the client its pool is built on), each sending
 * one message at a time. The pool's `sendMail` wraps every message in a MailMessage and a MimeNode stream even
 * when handed raw bytes; driving the connections directly halved the per-message cost on loopback (measured:
 * 2,821 against 5,586 messages a second over ten connections). A connection that errors is closed and replaced.
 *
 * `sendGated` holds a message's final "." until its caller says go, and then writes it to the socket itself, at
 * once (`socket.write`, the bytes in the kernel before the call returns), instead of ending the message stream
 * and letting nodemailer's DATA stream add it several ticks later. The send worker uses this to write the dots
 * of a group right beside its COMMIT (send-worker.ts), and to journal each dot the moment it is in the kernel
 * (`DotJournal`, send-journal.ts). nodemailer still sends the envelope, escapes the body and reads the reply after
 * the dot.
 */
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SmtpOutcome } from './retry-policy.js';
import { isLoopbackHost } from './smtp-relay.js';

export type SmtpTarget = {
  host: string;
  port: number;
  /** TLS from the first byte (465). */
  secure?: boolean;
  user?: string;
  pass?: string;
  /** Refuse to send without TLS (implicit or STARTTLS); when is decided by `smtpRelay` (smtp-relay.ts). */
  requireTls?: boolean;
  /** The CA certificates (PEM) the server's certificate must chain to, instead of Node's public CAs. Always verified. */
  ca?: string;
  /** Turns the error of a connection that could not be opened into the one recorded (a TLS refusal told plainly). */
  explainError?: (err: Error) => Error;
  /** EHLO name. */
  name?: string;
};

export type SmtpConnections = {
  /**
   * `verbatim`: the caller has checked (`isSmtpVerbatim`) that the bytes need no SMTP escaping, so nodemailer's
   * byte-by-byte escaping stream passes them through as they are.
   */
  send(envelope: { from: string; to: string }, message: Readable | Buffer, options?: { verbatim?: boolean }): Promise<SmtpOutcome>;
  /**
   * Sends `raw`, holding back its final ".": once every byte of it is in the kernel (nothing left in the streams
   * or the socket's buffer), `gate` is called with `finish`. `finish(true)` lets the dot go and says how:
   * 'written' (in the kernel before `finish` returned) or 'queued' (behind bytes still in Node's buffers, or
   * through nodemailer's stream when its internals are missing; it leaves a few ticks later), or undefined when
   * it cannot go (the connection was lost meanwhile). `finish(false)` or `finish(error)` abandons the message:
   * no dot, and the outcome is an error. `finish(true, journal)` writes the message's journal line just before a
   * dot that goes straight into the kernel, or from the write's callback once a 'queued' dot has left; never when
   * the dot goes through nodemailer's stream (its internals missing).
   */
  sendGated(envelope: { from: string; to: string }, raw: Buffer, options: { verbatim?: boolean; gate: (finish: FinishMessage) => void }): Promise<SmtpOutcome>;
  close(): Promise<void>;
};

export type FinalDot = 'written' | 'queued';
/** The send journal's hooks for one message: its line, and the line taken back (see `writeFinalDot`). */
export type DotJournal = { record(): void; retract(): void };
export type FinishMessage = (go: boolean | Error, journal?: DotJournal) => FinalDot | undefined;

/** The message being sent on a connection: nodemailer's DATA stream and the socket it is piped to. */
type Current = { stream: DataStreamInternals; socket: SocketLike; dotWritten: boolean };
type Conn = { c: SMTPConnection; broken: boolean; verbatim: boolean; current?: Current };

/** The parts of nodemailer's DATA escaping stream (smtp-connection/data-stream.js) that its `_flush` and logs read. */
type DataStreamInternals = {
  _transform: unknown; _flush: unknown; push(chunk: Buffer): boolean; inByteCount: number; outByteCount: number; lastByte: number | false;
  readableLength: number; writableLength: number; destroyed: boolean; writableEnded: boolean; _readableState?: { pipes?: unknown[] };
};
type SocketLike = { write(chunk: Buffer, cb?: (err?: Error | null) => void): boolean; destroyed: boolean; writable: boolean; writableLength: number; encrypted?: boolean };

function passVerbatim(this: DataStreamInternals, chunk: Buffer, _encoding: string, done: () => void): void {
  this.inByteCount += chunk.length;
  this.outByteCount += chunk.length;
  if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
  this.push(chunk);
  done();
}

/**
 * Reaches into nodemailer's DATA stream as it is made for each message:
 * - lets a `verbatim` message through untouched. It still ends the data (".\r\n" after the last byte, as its
 *   `_flush` decides) and reads the reply; only the per-byte scan is skipped;
 * - remembers the stream and its socket (`conn.current`), so that `writeFinalDot` can write the "." itself;
 *   its `_flush` then adds nothing.
 * Should a nodemailer version no longer have these internals, every message takes the escaping path and its
 * dot goes through the stream as nodemailer writes it.
 */
function hookDataStream(conn: Conn): void {
  const internals = conn.c as unknown as { _createSendStream?: (this: { _socket?: SocketLike }, cb: unknown) => DataStreamInternals };
  const create = internals._createSendStream;
  if (typeof create !== 'function') return;
  internals._createSendStream = function (this: { _socket?: SocketLike }, cb: unknown) {
    const stream = create.call(this, cb);
    conn.current = undefined;
    if (typeof stream._transform !== 'function' || !('lastByte' in stream) || !('outByteCount' in stream)) return stream;
    if (conn.verbatim) stream._transform = passVerbatim;
    const socket = this._socket;
    const flush = stream._flush;
    if (typeof flush === 'function' && socket && typeof socket.write === 'function' && stream._readableState?.pipes?.includes(socket)) {
      const current: Current = { stream, socket, dotWritten: false };
      stream._flush = function (this: unknown, done: () => void) {
        if (current.dotWritten) { done(); return; }
        flush.call(this, done);
      };
      conn.current = current;
    }
    return stream;
  };
}

// What DataStream's `_flush` adds after the last byte: the line is ended first if it was not.
const DOT_AFTER_LF = Buffer.from('.\r\n');
const DOT_AFTER_CR = Buffer.from('\n.\r\n');
const DOT_AFTER_TEXT = Buffer.from('\r\n.\r\n');

/** Whether every body byte has been passed to `socket.write`: `body` (the source) and the DATA stream (both sides) hold none. */
const handedOn = (current: Current, body: Readable) =>
  body.readableLength === 0 && current.stream.writableLength === 0 && current.stream.readableLength === 0;

/**
 * Calls `then` once every body byte is in the kernel (handed on, and nothing waiting in the socket's buffer), or
 * at once when the internals are missing. A body larger than what the socket takes at once waits here, so that
 * its `sent` mark is not committed while part of it could still die with the process. A connection lost on the
 * way ends the message instead: it is not held for a dot that cannot go.
 */
function whenFlushed(current: Current | undefined, body: Readable, then: () => void): void {
  const check = (): boolean => {
    if (body.destroyed) return true;
    if (current && (current.socket.destroyed || !current.socket.writable)) { body.destroy(new Error('connection lost before the final dot; not sent')); return true; }
    if (current && !(handedOn(current, body) && current.socket.writableLength === 0)) return false;
    then();
    return true;
  };
  if (check()) return;
  // The pipes usually move the bytes within this turn of the event loop; a socket under back-pressure takes longer.
  setImmediate(() => {
    if (check()) return;
    const timer = setInterval(() => { if (check()) clearInterval(timer); }, 1);
  });
}

/**
 * Writes the final "." of a message straight to its socket, when nothing of the body can still be behind it
 * (`handedOn`): this write then queues after every body byte. Returns 'written' when nothing was ahead of it in
 * the socket's buffer, so that it reached the kernel within this call: a plain socket has nothing left after it
 * either (else the kernel's buffer was full); a TLS socket encrypts and writes the record at once too (seen with
 * strace), only its write's callback comes a turn later, so its buffer does not show it. 'queued' when it waits
 * in Node's buffer; undefined when it cannot (the caller then ends the stream, and `_flush` writes the dot).
 * `journal` (the send journal) gets the message's line just before a dot that goes straight into the kernel,
 * nothing between the line's write and the dot's: a SIGKILL takes effect when a system call returns, so a kill
 * during the dot's write (some 20 µs on loopback, the longer of the two) finds the line written and the dot
 * gone; only one during the line's own write (1-2 µs) or the instructions after it loses the message. Should the
 * dot end up waiting in Node's buffer after all (the kernel's was full), the line is retracted at once and
 * written again from the write's callback, once the dot has left.
 */
function writeFinalDot(current: Current | undefined, body: Readable, journal?: DotJournal): FinalDot | undefined {
  if (!current || current.dotWritten) return undefined;
  const { stream, socket } = current;
  if (stream.destroyed || stream.writableEnded || !handedOn(current, body)) return undefined;
  if (socket.destroyed || !socket.writable) return undefined;
  const dot = stream.lastByte === 0x0a ? DOT_AFTER_LF : stream.lastByte === 0x0d ? DOT_AFTER_CR : DOT_AFTER_TEXT;
  current.dotWritten = true;
  stream.outByteCount += dot.length;
  const straight = socket.writableLength === 0;
  if (straight) journal?.record();
  // The write's callback comes a tick later at the earliest, when `inKernel` is already known.
  let inKernel = false;
  socket.write(dot, journal && ((err?: Error | null) => { if (!err && !inKernel) journal.record(); }));
  inKernel = straight && (socket.writableLength === 0 || socket.encrypted === true);
  if (straight && !inKernel) journal?.retract();
  return inKernel ? 'written' : 'queued';
}

/** `raw`, then a pause until `finish` (see `sendGated`). */
function gatedBody(raw: Buffer, conn: Conn, gate: (finish: FinishMessage) => void): Readable {
  let stage: 'start' | 'sent' | 'held' | 'done' = 'start';
  // This message's DATA stream: nodemailer makes it, then pipes this body into it, which starts the reading.
  let current: Current | undefined;
  const body = new Readable({
    read() {
      if (stage === 'start') { stage = 'sent'; current = conn.current; this.push(raw); return; }
      if (stage !== 'sent') return;
      stage = 'held';
      whenFlushed(current, body, () => gate((go, journal) => {
        if (stage !== 'held') return undefined;
        stage = 'done';
        if (go !== true) {
          body.destroy(go instanceof Error ? go : new Error('claim lost before the final dot; not sent'));
          return undefined;
        }
        if (current && (current.socket.destroyed || !current.socket.writable)) {
          body.destroy(new Error('connection lost before the final dot; not sent'));
          return undefined;
        }
        const how = writeFinalDot(current, body, journal) ?? 'queued';
        // Ending the stream is bookkeeping once the dot is written (or the path through the stream when it is
        // not): it waits for the caller's synchronous stretch (other dots, the COMMIT) to be over.
        queueMicrotask(() => body.push(null));
        return how;
      }));
    },
  });
  return body;
}

const call = <T>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));

async function open(target: SmtpTarget): Promise<Conn> {
  const loopback = isLoopbackHost(target.host);
  const c = new SMTPConnection({
    host: target.host, port: target.port, secure: target.secure ?? false, name: target.name,
    requireTLS: target.requireTls ?? false, ignoreTLS: !target.requireTls && !target.secure && loopback,
    connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000,
    ...(target.ca ? { tls: { ca: target.ca } } : {}),
  });
  const conn: Conn = { c, broken: false, verbatim: false };
  hookDataStream(conn);
  c.on('error', () => { conn.broken = true; });
  c.on('end', () => { conn.broken = true; });
  // connect's callback comes only on success: a refused or dropped connection is an 'error' or 'end' event, and
  // without listening for them here the caller (and with it the worker's whole batch) would wait for ever.
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: Error) => {
      c.removeListener('error', settle);
      c.removeListener('end', ended);
      if (!err) { resolve(); return; }
      reject(target.explainError ? target.explainError(err) : err);
      try { c.close(); } catch { /* already closed */ }
    };
    const ended = () => settle(new Error('the server closed the connection before its greeting'));
    c.once('error', settle);
    c.once('end', ended);
    c.connect(() => settle());
  });
  // The final "." is a small write that follows the body after the commit; with Nagle's algorithm it waits for
  // the server's delayed ACK (up to 40 ms on Linux), which capped a worker at about 300 messages a second.
  (c as unknown as { _socket?: { setNoDelay?: (on: boolean) => void } })._socket?.setNoDelay?.(true);
  if (target.user) {
    try {
      await call<void>((cb) => c.login({ user: target.user!, pass: target.pass ?? '' }, (err) => cb(err)));
    } catch (err) {
      // A refused login leaves an open session nobody would use or close: close it before reporting.
      try { c.close(); } catch { /* already closed */ }
      throw err;
    }
  }
  return conn;
}

/** Opens connections lazily, up to `size`; `send` waits for a free one. */
export function createSmtpConnections(options: { target: SmtpTarget; size: number }): SmtpConnections {
  const idle: Conn[] = [];
  // Senders waiting for a connection: each gets one, `undefined` once closed, or the error of opening one for it.
  const waiting: { resolve: (c: Conn | undefined) => void; reject: (err: unknown) => void }[] = [];
  let opened = 0;
  let closed = false;

  async function acquire(): Promise<Conn | undefined> {
    while (idle.length > 0) {
      const conn = idle.pop()!;
      if (!conn.broken) return conn;
      opened -= 1;
    }
    if (opened < options.size) {
      opened += 1;
      try {
        return await open(options.target);
      } catch (err) {
        opened -= 1;
        // The slot is free again: a sender waiting for it tries its own connection (and learns its own error).
        handOver();
        throw err;
      }
    }
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  }

  /** A slot was freed without a connection to pass on: the next waiting sender opens one. */
  function handOver(): void {
    const next = waiting.shift();
    if (next) acquire().then(next.resolve, next.reject);
  }

  function release(conn: Conn): void {
    if (conn.broken || closed) {
      opened -= 1;
      conn.c.close();
      handOver();
      return;
    }
    const next = waiting.shift();
    if (next) next.resolve(conn);
    else idle.push(conn);
  }

  async function transmit(envelope: { from: string; to: string }, verbatim: boolean, message: (conn: Conn) => Readable | Buffer): Promise<SmtpOutcome> {
    let conn: Conn | undefined;
    try {
      conn = await acquire();
    } catch (err) {
      return { ok: false, error: `connect: ${(err as Error).message}` };
    }
    if (!conn) return { ok: false, error: 'connect: no connection' };
    conn.verbatim = verbatim;
    conn.current = undefined;
    try {
      const info = await call<{ response: string }>((cb) => conn!.c.send({ from: envelope.from, to: [envelope.to] }, message(conn!) as any, cb as any));
      return { ok: true, response: info.response };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; message: string; code?: string };
      // After a refused command the session is still usable once reset; anything else closes the connection.
      if (e.responseCode && !conn.broken) {
        try { await call<void>((cb) => conn!.c.reset((err2) => cb(err2))); } catch { conn.broken = true; }
      } else {
        conn.broken = true;
      }
      return { ok: false, responseCode: e.responseCode, response: e.response, error: `${e.code ?? 'error'}: ${e.message}` };
    } finally {
      conn.current = undefined;
      release(conn);
    }
  }

  return {
    send: (envelope, message, sendOptions) => transmit(envelope, sendOptions?.verbatim === true, () => message),
    sendGated: (envelope, raw, sendOptions) => transmit(envelope, sendOptions.verbatim === true, (conn) => gatedBody(raw, conn, sendOptions.gate)),
    async close() {
      closed = true;
      for (const conn of idle.splice(0)) conn.c.quit();
      for (const w of waiting.splice(0)) w.resolve(undefined);
    },
  };
}
