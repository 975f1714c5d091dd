/**
 * The inbound SMTP receiver for the return-path domains: accepts mail only for those domains (RCPT TO), up to a
 * size limit, and hands each message to intake with its envelope recipients (our VERP addresses). The reply
 * after DATA waits for the intake commit, so a 250 means recorded; a failure answers 451 and the sender retries.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Db } from '../../db/database.js';
import { returnPathDomains } from './intake.repository.js';
import { ingestReturnedMail, type IngestResult } from './ingest-returned-mail.js';

export type InboundServerOptions = {
  db: Db;
  secret: string;
  port: number;
  host: string;
  /** Domains accepted besides the sender profiles' return-path domains. */
  domains?: string[];
  maxMessageBytes: number;
  now?: () => Date;
  log?: (entry: Record<string, unknown>) => void;
  /** Called after each message is recorded (tests wait on it). */
  onIngested?: (result: IngestResult) => void;
};

export type InboundServer = { port: number; host: string; close(): Promise<void> };

// Sender profiles change rarely; their domains are read again at most this often.
const DOMAIN_CACHE_MS = 30_000;

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startInboundServer(options: InboundServerOptions): Promise<InboundServer> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const fixed = new Set((options.domains ?? []).map((d) => d.trim().toLowerCase()).filter(Boolean));
  let cached: { at: number; domains: Set<string> } | undefined;
  async function accepts(domain: string): Promise<boolean> {
    if (fixed.has(domain)) return true;
    if (!cached || Date.now() - cached.at > DOMAIN_CACHE_MS) cached = { at: Date.now(), domains: new Set(await returnPathDomains(options.db)) };
    return cached.domains.has(domain);
  }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: options.maxMessageBytes,
    // Returned mail trickles in; a flood of connections is refused rather than served slowly.
    maxClients: 100,
    banner: 'Listwarden bounce receiver',
    onRcptTo(address, _session, callback) {
      const domain = address.address.slice(address.address.lastIndexOf('@') + 1).toLowerCase();
      accepts(domain).then(
        (ok) => callback(ok ? undefined : smtpError(550, '5.1.1 Recipient not accepted here (not a return-path domain)')),
        () => callback(smtpError(451, '4.3.0 Temporary failure, try again later')),
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= options.maxMessageBytes) chunks.push(c);
      });
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded || size > options.maxMessageBytes) {
          callback(smtpError(552, `5.3.4 Message larger than ${options.maxMessageBytes} bytes`));
          return;
        }
        const raw = Buffer.concat(chunks);
        ingestReturnedMail({
          db: options.db, secret: options.secret, now: now(), source: 'smtp', raw,
          envelopeRecipients: session.envelope.rcptTo.map((r) => r.address),
        }).then(
          (result) => {
            log({ msg: 'returned mail received', id: result.id, kind: result.kind, outcome: result.outcome, duplicate: result.duplicate });
            options.onIngested?.(result);
            callback(null, `Recorded as ${result.id}`);
          },
          (err) => {
            log({ msg: 'returned mail could not be recorded', error: (err as Error).message });
            callback(smtpError(451, '4.3.0 Could not record the message, try again later'));
          },
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => { server.off('error', reject); resolve(); });
  });
  server.on('error', (err) => log({ msg: 'inbound SMTP error', error: err.message }));
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return { port: address.port, host: options.host, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
