import { createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import { describeRecipient } from '../recipient.js';
import type { RecipientReport } from '../types.js';
import type { ProviderEvent } from './ses.js';
import { isFresh, type Verification } from './signatures.js';

/**
 * Verifies a SendGrid signed event webhook: ECDSA (P-256, SHA-256) over timestamp + raw body, with the
 * verification key SendGrid shows (base64 DER public key, or PEM).
 */
export function verifySendgridWebhook(options: { rawBody: Buffer | string; signature: string; timestamp: string; publicKey: string; now: Date; maxAgeSeconds?: number }): Verification {
  if (!isFresh(options.timestamp, options.now, options.maxAgeSeconds ?? 600)) return { ok: false, error: 'timestamp too old' };
  try {
    const key = options.publicKey.includes('BEGIN')
      ? createPublicKey(options.publicKey)
      : createPublicKey({ key: Buffer.from(options.publicKey, 'base64'), format: 'der', type: 'spki' });
    const body = typeof options.rawBody === 'string' ? Buffer.from(options.rawBody, 'utf8') : options.rawBody;
    const payload = Buffer.concat([Buffer.from(options.timestamp, 'utf8'), body]);
    const good = verify('sha256', payload, key, Buffer.from(options.signature, 'base64'));
    return good ? { ok: true } : { ok: false, error: 'bad signature' };
  } catch {
    return { ok: false, error: 'unusable key or signature' };
  }
}

const eventSchema = z.object({
  email: z.string(),
  event: z.string(),
  type: z.string().optional(),
  reason: z.string().optional(),
  status: z.string().optional(),
  response: z.string().optional(),
  'smtp-id': z.string().optional(),
  sg_message_id: z.string().optional(),
}).passthrough();

/** Maps a SendGrid event batch to recipient events; events that say nothing about delivery are left out. */
export function mapSendgridEvents(payload: unknown): ProviderEvent[] {
  const parsed = z.array(z.unknown()).safeParse(payload);
  if (!parsed.success) return [];
  const out: ProviderEvent[] = [];
  for (const item of parsed.data) {
    const e = eventSchema.safeParse(item);
    if (!e.success) continue;
    const event = e.data;
    const original = event['smtp-id'] ? { messageId: event['smtp-id'].replace(/^<|>$/g, '') } : {};
    const diagnostic = event.reason ?? event.response ?? '';
    const complaint = (feedbackType: RecipientReport['feedbackType'], diag: string): ProviderEvent => ({
      kind: 'complaint', original,
      recipients: [{ address: event.email.toLowerCase(), action: 'complained', status: '', replyCode: '', reason: 'feedback', hard: false, diagnostic: diag, feedbackType }],
    });
    switch (event.event) {
      case 'bounce':
      case 'dropped': {
        // SendGrid's "blocked" type is a refusal of the sender, whatever words the remote server used.
        const words = event.type === 'blocked' && !/block/i.test(diagnostic) ? `blocked: ${diagnostic}` : diagnostic;
        out.push({ kind: 'bounce', original, recipients: [describeRecipient({ address: event.email, action: 'failed', status: event.status, diagnostic: words })] });
        break;
      }
      case 'deferred':
        out.push({ kind: 'delayed', original, recipients: [describeRecipient({ address: event.email, action: 'delayed', status: event.status, diagnostic })] });
        break;
      case 'delivered':
        out.push({ kind: 'delivered', original, recipients: [describeRecipient({ address: event.email, action: 'delivered', diagnostic })] });
        break;
      case 'spamreport':
        out.push(complaint('abuse', 'spamreport'));
        break;
      case 'unsubscribe':
      case 'group_unsubscribe':
        out.push(complaint('opt-out', event.event));
        break;
      default:
        break;
    }
  }
  return out;
}
