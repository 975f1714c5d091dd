import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { describeRecipient } from '../recipient.js';
import type { ProviderEvent } from './ses.js';
import { isFresh, safeEqual, type Verification } from './signatures.js';

const payloadSchema = z.object({
  signature: z.object({ timestamp: z.string(), token: z.string(), signature: z.string() }),
  'event-data': z.object({
    event: z.string(),
    recipient: z.string(),
    severity: z.string().optional(),
    reason: z.string().optional(),
    'delivery-status': z.object({
      code: z.union([z.number(), z.string()]).optional(),
      message: z.string().optional(),
      description: z.string().optional(),
      'enhanced-code': z.string().optional(),
    }).partial().optional(),
    message: z.object({ headers: z.object({ 'message-id': z.string().optional() }).partial() }).partial().optional(),
  }).passthrough(),
});

/** Verifies a Mailgun webhook: HMAC-SHA256 of timestamp + token with the webhook signing key, compared in constant time. */
export function verifyMailgunWebhook(options: { payload: unknown; signingKey: string; now: Date; maxAgeSeconds?: number }): Verification {
  const parsed = payloadSchema.safeParse(options.payload);
  if (!parsed.success) return { ok: false, error: 'not a Mailgun webhook payload' };
  const { timestamp, token, signature } = parsed.data.signature;
  if (!isFresh(timestamp, options.now, options.maxAgeSeconds ?? 600)) return { ok: false, error: 'timestamp too old' };
  const expected = createHmac('sha256', options.signingKey).update(timestamp + token).digest('hex');
  return safeEqual(expected, signature.toLowerCase()) ? { ok: true } : { ok: false, error: 'bad signature' };
}

/** Maps one Mailgun event (failed, delivered, complained, unsubscribed) to recipient events; undefined otherwise. */
export function mapMailgunEvent(payload: unknown): ProviderEvent | undefined {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const data = parsed.data['event-data'];
  const messageId = data.message?.headers?.['message-id'];
  const original = messageId ? { messageId: messageId.replace(/^<|>$/g, '') } : {};
  const status = data['delivery-status'];
  const diagnostic = [status?.code, status?.['enhanced-code'], status?.message || status?.description || data.reason].filter(Boolean).join(' ');
  switch (data.event) {
    case 'failed': {
      const permanent = data.severity !== 'temporary';
      const recipient = describeRecipient({ address: data.recipient, action: permanent ? 'failed' : 'delayed', status: status?.['enhanced-code'], diagnostic });
      return { kind: permanent ? 'bounce' : 'delayed', recipients: [recipient], original };
    }
    case 'delivered':
      return { kind: 'delivered', recipients: [describeRecipient({ address: data.recipient, action: 'delivered', diagnostic })], original };
    case 'complained':
    case 'unsubscribed':
      return {
        kind: 'complaint', original,
        recipients: [{
          address: data.recipient.toLowerCase(), action: 'complained', status: '', replyCode: '', reason: 'feedback', hard: false,
          diagnostic: data.event, feedbackType: data.event === 'complained' ? 'abuse' : 'opt-out',
        }],
      };
    default:
      return undefined;
  }
}
