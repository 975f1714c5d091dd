/**
 * Default handling of a 5xx reply during sending: a hard bounce (5.1.x, 5.2.1) or another address failure is
 * written to `bounces`, which the engine reads (hard → blocked at once; soft → counted). Policy refusals
 * (5.7.x) are the sender's problem (TECH-04) and leave the contact alone. The bounces module may replace this.
 */
import type { Db } from '../db/database.js';
import { insertBounce } from './outbox.repository.js';
import type { BounceEvent } from './send-worker.js';

export async function recordBounce(options: { db: Db; event: BounceEvent }): Promise<void> {
  const e = options.event;
  if (e.status && /^5\.7\./.test(e.status)) return;
  await insertBounce(options.db, {
    workspaceId: e.workspaceId, contactId: e.contactId, type: e.hard ? 'hard' : 'soft', at: e.at, status: e.status,
    diagnostic: e.reply, details: { sendId: e.sendId, during: 'smtp' },
  });
}
