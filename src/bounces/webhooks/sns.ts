import { createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import { isFresh, type Verification } from './signatures.js';

/** An Amazon SNS HTTP(S) message: a notification, or a subscription (un)confirmation. */
export const snsMessageSchema = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string(),
  TopicArn: z.string(),
  Message: z.string(),
  Timestamp: z.string(),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string(),
  SigningCertURL: z.string(),
  Subject: z.string().optional(),
  Token: z.string().optional(),
  SubscribeURL: z.string().optional(),
});
export type SnsMessage = z.infer<typeof snsMessageSchema>;

/**
 * Whether a SigningCertURL may be fetched: https, an SNS host of amazonaws.com, a .pem path. Anything else could
 * make us trust a key chosen by whoever sent the message.
 */
export function isTrustedSnsCertificateUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.port === '' && !parsed.username && !parsed.password
    && /^sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/.test(parsed.hostname) && parsed.pathname.endsWith('.pem');
}

/** The text SNS signs: chosen fields as "Name\nvalue\n", in a fixed order that depends on the message type. */
export function snsStringToSign(message: SnsMessage): string {
  const names = message.Type === 'Notification'
    ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let out = '';
  for (const name of names) {
    const value = message[name as keyof SnsMessage];
    if (value !== undefined) out += `${name}\n${value}\n`;
  }
  return out;
}

/**
 * Verifies an SNS message against the certificate (or public key) PEM fetched from its SigningCertURL.
 * Fetching is intake's job; this checks the URL, the age (default one hour) and the RSA signature.
 */
export function verifySnsMessage(options: { message: unknown; certificatePem: string; now: Date; maxAgeSeconds?: number }): Verification {
  const parsed = snsMessageSchema.safeParse(options.message);
  if (!parsed.success) return { ok: false, error: 'not an SNS message' };
  const message = parsed.data;
  if (!isTrustedSnsCertificateUrl(message.SigningCertURL)) return { ok: false, error: 'untrusted SigningCertURL' };
  if (!isFresh(message.Timestamp, options.now, options.maxAgeSeconds ?? 3600)) return { ok: false, error: 'message too old' };
  try {
    const key = createPublicKey(options.certificatePem);
    const algorithm = message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256';
    const good = verify(algorithm, Buffer.from(snsStringToSign(message), 'utf8'), key, Buffer.from(message.Signature, 'base64'));
    return good ? { ok: true } : { ok: false, error: 'bad signature' };
  } catch {
    return { ok: false, error: 'unusable certificate' };
  }
}
