/**
 * The platform's sender for single messages (double opt-in confirmation, "my data" links): not campaigns.
 * SMTP through nodemailer (any server, including one on loopback), or a log transport for development that
 * builds the real MIME message but delivers nothing, keeping the bytes SMTP would carry (CRLF, so a DKIM
 * signature verifies). The log line names recipient and subject only: bodies carry signed links, which are secrets.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import { dkimSignature } from '../sending/dkim-sign.js';
import { explainRelayError, isLoopbackHost, smtpRelay } from '../sending/smtp-relay.js';
import { platformFromAddress, type MailIdentity } from './mail-identity.js';

export type MailTransportOptions =
  | {
      kind: 'smtp';
      host: string;
      port: number;
      /** TLS from the first byte (port 465). Otherwise STARTTLS is used when the server offers it. */
      secure?: boolean;
      user?: string;
      password?: string;
      /** Refuse to send without TLS (implicit or STARTTLS); the rule for when is `smtpRelay` (`src/sending/smtp-relay.ts`). */
      requireTls?: boolean;
      /** The CA certificates (PEM) the server's certificate must chain to, instead of Node's public CAs. Always verified. */
      ca?: string;
    }
  | {
      kind: 'log';
      /** Where to keep each message as an .eml file to open in a mail client; nothing kept if absent. */
      outboxDir?: string;
    };

export type OutgoingMail = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers, e.g. `Auto-Submitted` or `X-Listwarden-Workspace`. */
  headers?: Record<string, string>;
  /** The workspace's identity (`mail-identity.ts`): From, Reply-To, and the DKIM key that signs the mail.
   *  Absent: the platform's own address, unsigned. */
  sender?: MailIdentity;
};

export type SendResult = { ok: true; messageId: string } | { ok: false; reason: string; permanent: boolean };

export type MailSender = {
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): Promise<void>;
};

/** Creates the mail sender; `from` is the platform's envelope and header sender. */
export function createMailSender(options: {
  transport: MailTransportOptions;
  from: string;
  log?: (line: Record<string, unknown>) => void;
}): MailSender {
  const { transport, from } = options;
  const log = options.log ?? (() => {});
  // A TLS refusal (no STARTTLS, a certificate not trusted) told plainly, with no reply code: never permanent
  const explain = (err: Error) => transport.kind === 'smtp' ? explainRelayError(err, { host: transport.host, port: transport.port, requireTls: transport.requireTls ?? false, ca: transport.ca }) : err;

  const mailer =
    transport.kind === 'smtp'
      ? nodemailer.createTransport({
          host: transport.host,
          port: transport.port,
          secure: transport.secure ?? false,
          requireTLS: transport.requireTls ?? false,
          ignoreTLS: !(transport.requireTls ?? false) && !(transport.secure ?? false) && isLoopbackHost(transport.host),
          ...(transport.ca ? { tls: { ca: transport.ca } } : {}),
          auth: transport.user ? { user: transport.user, pass: transport.password ?? '' } : undefined,
          pool: true,
          maxConnections: 2,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
        })
      // CRLF, as the bytes would go over SMTP: a saved mail's DKIM signature was made over those and verifies
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  // Writes a mail's bytes (CRLF) without sending, so that it can be signed by the campaigns' DKIM signer first
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  return {
    async send(mail) {
      try {
        const sender = mail.sender;
        const message = {
          from: sender ? { name: sender.name, address: sender.address } : from,
          ...(sender?.replyTo ? { replyTo: sender.replyTo } : {}),
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          headers: { 'Auto-Submitted': 'auto-generated', ...(mail.headers ?? {}) },
        };
        const info = sender?.signer
          ? await mailer.sendMail({ envelope: { from: sender.address, to: [mail.to] }, raw: await signed(message, sender.signer) })
          : await mailer.sendMail(message);
        const messageId = String(info.messageId ?? '');
        if (transport.kind === 'log') {
          const raw = (info as unknown as { message?: Buffer }).message;
          if (transport.outboxDir && raw) {
            await mkdir(transport.outboxDir, { recursive: true });
            await writeFile(join(transport.outboxDir, `${Date.now()}-${messageId.replace(/[^A-Za-z0-9.-]/g, '')}.eml`), raw);
          }
          log({ msg: 'mail logged, not delivered', to: mail.to, subject: mail.subject, bytes: raw?.length ?? 0 });
        } else {
          log({ msg: 'mail submitted', to: mail.to, subject: mail.subject, messageId });
        }
        return { ok: true, messageId };
      } catch (err) {
        const e = explain(err as Error) as Error & { responseCode?: number; code?: string };
        const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
        // The SMTP reply is safe to log; the message body is not.
        log({ msg: 'mail not submitted', to: mail.to, subject: mail.subject, code: e.responseCode ?? e.code, reason: e.message });
        return { ok: false, reason: e.message ?? 'unknown error', permanent };
      }
    },
    async close() {
      mailer.close();
      composer.close();
    },
  };

  /** The mail's bytes with a DKIM-Signature in front, made as a campaign mail's is (`src/sending/dkim-sign.ts`). */
  async function signed(message: Parameters<typeof composer.sendMail>[0], signer: NonNullable<MailIdentity['signer']>): Promise<Buffer> {
    const built = (await composer.sendMail(message)) as unknown as { message: Buffer };
    const raw = built.message.toString('utf8');
    const split = raw.indexOf('\r\n\r\n');
    const header = raw.slice(0, split + 2);
    const body = raw.slice(split + 4);
    return Buffer.from(dkimSignature({ signer, header, body, now: new Date() }) + raw, 'utf8');
  }
}

/** The sender the configuration asks for: `smtp.*`, or the log transport keeping mails in `DATA_DIR/outbox`. */
export function mailSenderFromConfig(config: Config, log?: (line: Record<string, unknown>) => void): MailSender {
  const relay = smtpRelay(config.smtp);
  return createMailSender({
    transport: config.smtp.transport === 'smtp'
      ? { kind: 'smtp', host: relay.host, port: relay.port, secure: relay.secure, user: relay.user, password: relay.pass, requireTls: relay.requireTls, ca: relay.ca }
      : { kind: 'log', outboxDir: join(config.dataDir, 'outbox') },
    // The platform's own mail (confirmations, access links) without a workspace identity: its public host name,
    // never an IP literal (`mail-identity.ts`)
    from: platformFromAddress(config.baseUrl),
    log,
  });
}
