import { z } from 'zod';
import { describeRecipient } from '../recipient.js';
import type { ProviderEvent } from './ses.js';
import { safeEqual, type Verification } from './signatures.js';

/**
 * Postmark does not sign its webhooks; the webhook URL carries basic-auth credentials instead. Checks the
 * Authorization header against them in constant time.
 */
export function verifyPostmarkBasicAuth(options: { authorization: string | undefined; username: string; password: string }): Verification {
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')}`;
  return safeEqual(expected, (options.authorization ?? '').trim()) ? { ok: true } : { ok: false, error: 'bad credentials' };
}

const payloadSchema = z.object({
  RecordType: z.string(),
  Type: z.string().optional(),
  Email: z.string().optional(),
  Recipient: z.string().optional(),
  Description: z.string().optional(),
  Details: z.string().optional(),
  MessageID: z.string().optional(),
  SuppressSending: z.boolean().optional(),
  SuppressionReason: z.string().optional(),
}).passthrough();

// Postmark's bounce types that mean the address is dead, or only that delivery failed for now.
const HARD_TYPES = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated', 'AddressChange']);
const COMPLAINT_TYPES = new Set(['SpamComplaint', 'SpamNotification']);

/** Maps a Postmark webhook (Bounce, SpamComplaint, Delivery, SubscriptionChange) to recipient events. */
export function mapPostmarkWebhook(payload: unknown): ProviderEvent | undefined {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const p = parsed.data;
  const address = (p.Email ?? p.Recipient ?? '').toLowerCase();
  if (!address) return undefined;
  const original = p.MessageID ? { messageId: p.MessageID } : {};
  const complaint = (feedbackType: 'abuse' | 'opt-out', diagnostic: string): ProviderEvent => ({
    kind: 'complaint', original,
    recipients: [{ address, action: 'complained', status: '', replyCode: '', reason: 'feedback', hard: false, diagnostic, feedbackType }],
  });
  if (p.RecordType === 'SpamComplaint' || (p.RecordType === 'Bounce' && COMPLAINT_TYPES.has(p.Type ?? ''))) return complaint('abuse', p.Type ?? 'SpamComplaint');
  if (p.RecordType === 'SubscriptionChange') return p.SuppressSending ? complaint('opt-out', p.SuppressionReason ?? 'SubscriptionChange') : undefined;
  if (p.RecordType === 'Delivery') return { kind: 'delivered', original, recipients: [describeRecipient({ address, action: 'delivered', diagnostic: p.Details ?? '' })] };
  if (p.RecordType !== 'Bounce') return undefined;
  const diagnostic = [p.Details, p.Description].filter(Boolean).join(' ');
  const hardType = HARD_TYPES.has(p.Type ?? '');
  // A hard type with words our rules do not know still means a dead address: say so in the rules' words.
  const words = hardType && !/unknown|not exist|invalid|no such|not found/i.test(diagnostic) ? `user unknown (${p.Type}) ${diagnostic}` : diagnostic;
  const soft = p.Type === 'SoftBounce' || p.Type === 'Transient' || p.Type === 'DnsError';
  const recipient = describeRecipient({ address, action: soft ? 'delayed' : 'failed', diagnostic: words });
  return { kind: soft ? 'delayed' : 'bounce', original, recipients: [recipient] };
}
