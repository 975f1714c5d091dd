import { type FieldBlock, firstAddress, readFieldBlocks, stripTypePrefix } from './fields.js';
import { FEEDBACK_TYPES, type FeedbackType, type RecipientReport } from './types.js';

/** Reads an RFC 5965 feedback report: one complaint about the recipient who reported our message. */
export function readFeedbackReport(reportText: string, originalHeaders: FieldBlock): RecipientReport[] {
  const fields = new Map<string, string>();
  for (const block of readFieldBlocks(reportText)) for (const [k, v] of block) if (!fields.has(k)) fields.set(k, v);
  const addresses = (fields.get('original-rcpt-to') ?? fields.get('removal-recipient') ?? '')
    .split('\n').map((v) => firstAddress(stripTypePrefix(v))).filter(Boolean);
  if (addresses.length === 0) {
    const to = firstAddress(originalHeaders.get('to'));
    if (to) addresses.push(to);
  }
  const feedbackType = toFeedbackType(fields.get('feedback-type'));
  const diagnostic = (fields.get('feedback-type') ?? '').trim();
  // A report that names nobody (recipients withheld) is still one complaint, matched by its Message-ID.
  if (addresses.length === 0) addresses.push('');
  return [...new Set(addresses)].map((address) => ({
    address, action: 'complained', status: '', replyCode: '', reason: 'feedback', hard: false, diagnostic, feedbackType,
  }));
}

/** Maps a Feedback-Type value to the contract's list; unknown types are `other`. */
export function toFeedbackType(value: string | undefined): FeedbackType {
  const word = (value ?? '').trim().toLowerCase().split(/[\s;]/)[0];
  if (word === 'dkim' || word === 'auth-failure') return 'auth-failure';
  if (word === 'opt-out' || word === 'optout' || word === 'unsubscribe') return 'opt-out';
  return (FEEDBACK_TYPES as readonly string[]).includes(word) ? (word as FeedbackType) : word ? 'other' : 'abuse';
}
