/**
 * A real SMTP server on loopback that records every message it accepts, for tests and benches.
 * `reject` lets a test refuse chosen recipients with a given reply (e.g. 550 5.1.1) at RCPT time, `refuseData` a
 * message after its final dot (e.g. 451 4.3.0).
 */
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export type ReceivedMail = { from: string; to: string[]; raw: Buffer; at: number };

export type SmtpSinkOptions = {
  /** Return a reply such as { code: 550, message: '5.1.1 User unknown' } to refuse one recipient. */
  reject?: (rcpt: string) => { code: number; message: string } | undefined;
  /** Return a reply such as { code: 451, message: '4.3.0 Try later' } to refuse a message after its final dot. */
  refuseData?: (rcpts: string[]) => { code: number; message: string } | undefined;
  /** Keep raw bytes of each message (default true); a bench may switch it off to save memory. */
  keepRaw?: boolean;
};

export type SmtpSink = {
  port: number;
  host: string;
  messages: ReceivedMail[];
  /** Count of accepted messages even when keepRaw is false. */
  count(): number;
  parse(index: number): Promise<ParsedMail>;
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let accepted = 0;
  const keepRaw = options.keepRaw ?? true;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 50 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const refusal = options.reject?.(address.address.toLowerCase());
      if (refusal) {
        const err = new Error(refusal.message) as Error & { responseCode: number };
        err.responseCode = refusal.code;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => { if (keepRaw) chunks.push(c); });
      stream.on('end', () => {
        const refusal = options.refuseData?.(session.envelope.rcptTo.map((r) => r.address.toLowerCase()));
        if (refusal) {
          const err = new Error(refusal.message) as Error & { responseCode: number };
          err.responseCode = refusal.code;
          callback(err);
          return;
        }
        accepted += 1;
        if (keepRaw) {
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            raw: Buffer.concat(chunks),
            at: Date.now(),
          });
        }
        callback();
      });
    },
  });
  // A client killed mid-transaction (crash tests) must not take the test process down with it.
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return {
    port,
    host: '127.0.0.1',
    messages,
    count: () => accepted,
    parse: (i) => simpleParser(messages[i].raw),
    async waitFor(n, timeoutMs = 10_000) {
      const start = Date.now();
      while (accepted < n) {
        if (Date.now() - start > timeoutMs) throw new Error(`smtp sink: ${accepted} of ${n} messages after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
