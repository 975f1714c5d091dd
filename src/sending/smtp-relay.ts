/**
 * The SMTP relay that campaign mail (`smtp-connections.ts`) and platform mail (`src/mail/mail-sender.ts`) go
 * through, and its TLS: the credentials must never cross the network in clear. TLS is required whenever they
 * go to a host other than this machine, unless switched off explicitly (then a warning at start); when
 * required, nothing is sent, AUTH included, before TLS is up (implicit TLS, or STARTTLS, which is then asked for
 * even when the server does not announce it). Certificates are always verified, against `smtp.tlsCaFile` if set.
 */
import type { Config } from '../config.js';

export type SmtpRelay = {
  host: string;
  port: number;
  /** TLS from the first byte (465). */
  secure: boolean;
  user?: string;
  pass?: string;
  /** Refuse to send without TLS. */
  requireTls: boolean;
  /** The CA certificates (PEM) the relay's certificate must chain to, instead of Node's public CAs. */
  ca?: string;
  /** Set when credentials go to another machine with TLS switched off explicitly; logged once at start. */
  warning?: string;
};

/**
 * This machine: a relay here is reached without crossing a network. `localhost` (the hosts file) and loopback
 * addresses only: a name under `.localhost` goes to the resolver like any other on most hosts (glibc without
 * nss-myhostname asks DNS, search domains appended), which may answer with another machine's address.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** The relay of `smtp.*`, with whether TLS is required: as set, else whenever there are credentials and the host is another machine. */
export function smtpRelay(smtp: Config['smtp']): SmtpRelay {
  const remoteLogin = smtp.user !== undefined && smtp.user !== '' && !isLoopbackHost(smtp.host);
  const requireTls = smtp.requireTls ?? remoteLogin;
  const relay: SmtpRelay = { host: smtp.host, port: smtp.port, secure: smtp.secure, user: smtp.user, pass: smtp.pass, requireTls, ca: smtp.tlsCa };
  if (remoteLogin && !requireTls && !smtp.secure) {
    relay.warning = `LISTWARDEN_SMTP_REQUIRE_TLS is off: the relay credentials (LISTWARDEN_SMTP_USER/_PASS) may be sent in clear to ${smtp.host}:${smtp.port} when it does not offer STARTTLS (or the offer is stripped on the way)`;
  }
  return relay;
}

// Node's codes for a certificate that does not verify (kept by nodemailer as `originalCode`), and their messages.
const CERT_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|HOSTNAME_MISMATCH/;
const CERT_MESSAGE = /certificate|self[- ]signed|unable to (?:get|verify)|hostname\/ip does not match|altnames/i;

/**
 * A connection error told plainly when TLS is what failed (no STARTTLS, a certificate not trusted): what
 * happened, that nothing was sent, and what to change. Any other error comes back as it is. Never a reply
 * code: a relay that will not talk TLS says nothing about the recipient, so the message is retried, never bounced.
 */
export function explainRelayError(err: Error, relay: Pick<SmtpRelay, 'host' | 'port' | 'requireTls' | 'ca'>): Error {
  const e = err as Error & { code?: string; originalCode?: string; response?: string };
  const where = `the SMTP relay ${relay.host}:${relay.port}`;
  let why: string | undefined;
  if (e.code === 'ETLS' && /STARTTLS/.test(e.message)) {
    why = `${where} did not start TLS (STARTTLS refused${e.response ? `: ${e.response}` : ''})${relay.requireTls ? ' and TLS is required (LISTWARDEN_SMTP_REQUIRE_TLS)' : ''}`;
  } else if (/HELO does not support required STARTTLS/.test(e.message)) {
    why = `${where} does not offer STARTTLS and TLS is required (LISTWARDEN_SMTP_REQUIRE_TLS)`;
  } else if (CERT_CODE.test(e.originalCode ?? '') || (['ETLS', 'ESOCKET', 'ECONNECTION'].includes(e.code ?? '') && CERT_MESSAGE.test(e.message))) {
    const reason = e.message.replace(/^Error initiating TLS - /, '');
    why = `${where} presented a certificate that is not trusted (${reason})` +
      (relay.ca ? ': it does not chain to LISTWARDEN_SMTP_TLS_CA_FILE' : '; for a relay with its own CA, set LISTWARDEN_SMTP_TLS_CA_FILE');
  }
  if (!why) return err;
  const out = new Error(`TLS refused: ${why}; nothing was sent, credentials included`) as Error & { code?: string };
  out.code = 'ETLS';
  return out;
}

/**
 * `explainRelayError` that also logs each TLS refusal: the first at once, then again when the reason changes or
 * a minute has passed, so that a batch failing on every connection leaves one line, not one per recipient.
 */
export function relayErrorReporter(options: { relay: SmtpRelay; log: (entry: Record<string, unknown>) => void; now?: () => number }): (err: Error) => Error {
  const now = options.now ?? Date.now;
  let last: { reason: string; at: number } | undefined;
  return (err) => {
    const explained = explainRelayError(err, options.relay);
    if (explained === err) return err;
    const at = now();
    if (!last || last.reason !== explained.message || at - last.at >= 60_000) {
      last = { reason: explained.message, at };
      options.log({ msg: 'SMTP relay refused: not sent, retried later', reason: explained.message });
    }
    return explained;
  };
}
