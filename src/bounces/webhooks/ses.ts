import { z } from 'zod';
import { describeRecipient } from '../recipient.js';
import type { OriginalMessage, RecipientReport, ReportKind } from '../types.js';

/** What a provider's notification says, in the parser's own terms. */
export interface ProviderEvent {
  kind: ReportKind;
  recipients: RecipientReport[];
  original: OriginalMessage;
}

const recipientSchema = z.object({
  emailAddress: z.string(),
  action: z.string().optional(),
  status: z.string().optional(),
  diagnosticCode: z.string().optional(),
});

const notificationSchema = z.object({
  notificationType: z.string().optional(),
  eventType: z.string().optional(),
  bounce: z.object({
    bounceType: z.string().optional(),
    bounceSubType: z.string().optional(),
    bouncedRecipients: z.array(recipientSchema),
  }).optional(),
  complaint: z.object({
    complainedRecipients: z.array(z.object({ emailAddress: z.string() })),
    complaintFeedbackType: z.string().optional(),
  }).optional(),
  delivery: z.object({ recipients: z.array(z.string()), smtpResponse: z.string().optional() }).optional(),
  deliveryDelay: z.object({ delayedRecipients: z.array(recipientSchema), delayType: z.string().optional() }).optional(),
  mail: z.object({
    messageId: z.string().optional(),
    destination: z.array(z.string()).optional(),
    headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  }).optional(),
});

// SES names some failures only by sub-type; these words let the common rules classify them.
const SUBTYPE_WORDS: Record<string, string> = {
  NoEmail: 'no such user', Suppressed: 'user unknown (address on the suppression list)',
  OnAccountSuppressionList: 'user unknown (address on the account suppression list)', MailboxFull: 'mailbox full',
  MessageTooLarge: 'message too large', ContentRejected: 'content rejected', AttachmentRejected: 'attachment rejected',
};

const FEEDBACK: Record<string, RecipientReport['feedbackType']> = {
  abuse: 'abuse', fraud: 'fraud', 'not-spam': 'not-spam', virus: 'virus', other: 'other', 'auth-failure': 'auth-failure',
};

/** Maps one SES notification (bounce, complaint, delivery, delay) to recipient events; undefined if it is none. */
export function mapSesNotification(payload: unknown): ProviderEvent | undefined {
  const parsed = notificationSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const n = parsed.data;
  const type = (n.notificationType ?? n.eventType ?? '').toLowerCase();
  const original = originalOf(n.mail);
  if (type === 'bounce' && n.bounce) {
    const permanent = n.bounce.bounceType === 'Permanent';
    const recipients = n.bounce.bouncedRecipients.map((r) => describeRecipient({
      address: r.emailAddress,
      action: permanent ? 'failed' : 'delayed',
      status: r.status,
      diagnostic: r.diagnosticCode ?? SUBTYPE_WORDS[n.bounce?.bounceSubType ?? ''] ?? '',
    }));
    return { kind: permanent ? 'bounce' : 'delayed', recipients, original };
  }
  if (type === 'complaint' && n.complaint) {
    const feedbackType = FEEDBACK[(n.complaint.complaintFeedbackType ?? 'abuse').toLowerCase()] ?? 'other';
    const recipients = n.complaint.complainedRecipients.map((r): RecipientReport => ({
      address: r.emailAddress.toLowerCase(), action: 'complained', status: '', replyCode: '', reason: 'feedback',
      hard: false, diagnostic: n.complaint?.complaintFeedbackType ?? '', feedbackType,
    }));
    return { kind: 'complaint', recipients, original };
  }
  if (type === 'delivery' && n.delivery) {
    const recipients = n.delivery.recipients.map((address) => describeRecipient({
      address, action: 'delivered', diagnostic: n.delivery?.smtpResponse ?? '',
    }));
    return { kind: 'delivered', recipients, original };
  }
  if (type === 'deliverydelay' && n.deliveryDelay) {
    const recipients = n.deliveryDelay.delayedRecipients.map((r) => describeRecipient({
      address: r.emailAddress, action: 'delayed', status: r.status, diagnostic: r.diagnosticCode ?? n.deliveryDelay?.delayType ?? '',
    }));
    return { kind: 'delayed', recipients, original };
  }
  return undefined;
}

function originalOf(mail: z.infer<typeof notificationSchema>['mail']): OriginalMessage {
  const original: OriginalMessage = {};
  if (!mail) return original;
  const header = (name: string) => mail.headers?.find((h) => h.name.toLowerCase() === name)?.value;
  const messageId = header('message-id')?.replace(/^\s*<|>\s*$/g, '') ?? mail.messageId;
  if (messageId) original.messageId = messageId;
  const to = mail.destination?.[0];
  if (to) original.to = to.toLowerCase();
  return original;
}

/** Maps the SES notification an SNS message carries (verify the SNS message first, see sns.ts). */
export function mapSesFromSns(snsMessage: { Type: string; Message: string }): ProviderEvent | undefined {
  if (snsMessage.Type !== 'Notification') return undefined;
  try {
    return mapSesNotification(JSON.parse(snsMessage.Message));
  } catch {
    return undefined;
  }
}
