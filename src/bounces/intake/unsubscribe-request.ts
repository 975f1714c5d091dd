/**
 * A recipient's unsubscribe request by mail. Every campaign mail's `List-Unsubscribe` offers
 * `mailto:VERP?subject=unsubscribe` beside the one-click link; mail clients that use the mailto send an ordinary
 * message to our signed return path, which the parser rightly calls `not_bounce`. Read as an opt-out report
 * instead, it unsubscribes the recipient the return path names, as the one-click link would. Pure.
 */
import { decodeVerp } from '../../sending/verp.js';
import { firstAddress, readHeaderBlock } from '../fields.js';
import type { Report } from '../types.js';

// The mailto's subject, and what people write when they type it themselves (EN, FR, DE).
const ASKS_TO_LEAVE = /\b(?:unsubscribe|opt[ -]?out|remove me)\b|d[ée]sabonn|d[ée]sinscri|abmelden|abbestellen/i;

/** The opt-out report the message amounts to, or `report` unchanged when it is not a request to one of our return paths. */
export function asUnsubscribeRequest(options: { report: Report; raw: Buffer | string; envelopeRecipients?: string[]; secret: string }): Report {
  const { report } = options;
  if (report.kind !== 'not_bounce') return report;
  const addressed = [...(options.envelopeRecipients ?? []), report.original.returnPath];
  if (!addressed.some((a) => a && decodeVerp({ address: a, secret: options.secret }))) return report;
  const text = typeof options.raw === 'string' ? options.raw : options.raw.toString('utf8');
  const headers = readHeaderBlock(text);
  const subject = headers.get('subject') ?? '';
  if (!ASKS_TO_LEAVE.test(subject)) return report;
  return {
    kind: 'complaint', original: report.original,
    recipients: [{
      address: firstAddress(headers.get('from')) || '', action: 'complained', status: '', replyCode: '', reason: 'feedback', hard: false,
      diagnostic: `unsubscribe request by mail (Subject: ${subject.trim().slice(0, 200)})`, feedbackType: 'opt-out',
    }],
  };
}
