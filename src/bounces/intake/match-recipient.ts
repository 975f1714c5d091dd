/**
 * Matching: which send and contact a reported recipient is about. The VERP return path names both and is signed,
 * so it wins; otherwise the returned headers' Message-ID (our idempotency key) and the address must agree.
 * Nothing else is tried: a report that matches nothing is kept unmatched, never guessed onto a contact.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { decodeVerp } from '../../sending/verp.js';
import type { OriginalMessage, RecipientReport } from '../types.js';
import { findSentByIdempotencyKey, findSentByIds, type SentRecipient } from './intake.repository.js';

export type Match =
  | { matched: true; method: 'verp' | 'message_id' | 'smtp'; sent: SentRecipient }
  | { matched: false; why: 'no_reference' | 'unknown_send' | 'address_mismatch' };

/** Finds the send a VERP address names; undefined when no address is ours (or its MAC is wrong). */
export async function matchVerp(options: { db: Kysely<Database>; addresses: (string | undefined)[]; secret: string }): Promise<SentRecipient | undefined> {
  for (const address of options.addresses) {
    if (!address) continue;
    const ids = decodeVerp({ address, secret: options.secret });
    if (!ids) continue;
    const sent = await findSentByIds(options.db, ids.sendId, ids.recipientId);
    if (sent) return sent;
  }
  return undefined;
}

/**
 * Matches one recipient of a report. `verp` is the send the envelope named, looked up once per message.
 * `workspaceId`, when given (an upload through the API), limits matches to that workspace: another tenant's
 * send looks exactly like an unknown one.
 */
export async function matchRecipient(options: {
  db: Kysely<Database>; recipient: RecipientReport; original: OriginalMessage; verp: SentRecipient | undefined; workspaceId?: string;
}): Promise<Match> {
  const { recipient, original } = options;
  const inWorkspace = (s: SentRecipient) => !options.workspaceId || s.workspaceId === options.workspaceId;
  if (options.verp) return inWorkspace(options.verp) ? { matched: true, method: 'verp', sent: options.verp } : { matched: false, why: 'unknown_send' };
  const messageId = original.messageId?.trim();
  if (!messageId) return { matched: false, why: 'no_reference' };
  const at = messageId.lastIndexOf('@');
  const key = at > 0 ? messageId.slice(0, at) : messageId;
  const sent = await findSentByIdempotencyKey(options.db, key);
  if (!sent || !inWorkspace(sent)) return { matched: false, why: 'unknown_send' };
  const email = sent.email.toLowerCase();
  // The message was ours; the report must also be about its recipient (a forwarded copy's failure is not).
  const named = [recipient.address, original.to, original.envelopeRecipient].some((a) => a?.toLowerCase() === email);
  return named ? { matched: true, method: 'message_id', sent } : { matched: false, why: 'address_mismatch' };
}
