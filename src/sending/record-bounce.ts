/**
 * A 5xx reply during sending is recorded exactly like returned mail: the bounces module's intake classifies it
 * (hard → suppressed at once, soft → counted, policy refusal → sender problem), records it once per recipient
 * of a send, and lets the circuit breaker look at the send.
 */
import { describeRecipient } from '../bounces/recipient.js';
import { ingestReturnedMail } from '../bounces/intake/ingest-returned-mail.js';
import { findSentByIds } from '../bounces/intake/intake.repository.js';
import type { Db } from '../db/database.js';
import type { BounceEvent } from './send-worker.js';

export async function recordBounce(options: { db: Db; event: BounceEvent }): Promise<void> {
  const e = options.event;
  const sent = await findSentByIds(options.db, String(e.sendId), e.contactId);
  if (!sent) return;
  const recipient = describeRecipient({ address: sent.email, action: 'failed', status: e.status ?? undefined, diagnostic: e.reply });
  await ingestReturnedMail({
    db: options.db, secret: '', now: e.at, source: 'sending', sent, identity: `smtp:${e.sendId}:${e.contactId}`,
    event: { kind: 'bounce', recipients: [recipient], original: {} },
  });
}
