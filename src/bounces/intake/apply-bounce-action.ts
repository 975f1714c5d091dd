/**
 * What one matched recipient's report does to the contact, inside the intake transaction: a dead address is
 * suppressed at once, soft failures are counted against the workspace's threshold, a sender problem is only
 * recorded, a complaint suppresses marketing and unsubscribes, an opt-out report unsubscribes.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { unsubscribeMany } from '../../public/public.repository.js';
import { insertSuppression } from '../../suppressions/suppressions.repository.js';
import { decideAction, DEFAULT_SOFT_BOUNCE_POLICY, softBounceLimitReached, type BounceAction } from '../actions.js';
import type { RecipientReport } from '../types.js';
import { findBounceSettings, hasActiveSuppression, insertBounce, softBounceTimes, type SentRecipient } from './intake.repository.js';

export type ActionEffect = 'suppressed' | 'already_suppressed' | 'soft_counted' | 'soft_limit_suppressed' | 'unsubscribed' | 'recorded';

/** A suppression this action created, for the audit log (written by the caller just before commit). */
export type NewSuppression = { id: string; contactId: string; workspaceId: string; reason: 'hard_bounce' | 'complaint' };

/** Applies the action a report calls for; returns the action, what it led to, and any suppression it created. */
export async function applyBounceAction(options: {
  trx: Kysely<Database>; recipient: RecipientReport; sent: SentRecipient; source: string; returnedMailId: number; now: Date;
}): Promise<{ action: BounceAction; effect: ActionEffect; suppression?: NewSuppression }> {
  const { trx, recipient: r, sent, now } = options;
  const action = decideAction(r);
  const ws = sent.workspaceId;
  const details = { returnedMailId: options.returnedMailId, sendId: sent.sendId, source: options.source, reason: r.reason };
  let created: NewSuppression | undefined;
  const suppress = async (reason: 'hard_bounce' | 'complaint', scope: 'marketing' | 'all_mail', source: string) => {
    if (await hasActiveSuppression(trx, ws, sent.contactId, reason)) return false;
    const row = await insertSuppression(trx, {
      workspaceId: ws, contactId: sent.contactId, reason, channel: reason === 'hard_bounce' ? 'email' : 'all', scope, at: now, source, createdBy: 'system:bounces',
    });
    created = { id: row.id, contactId: sent.contactId, workspaceId: ws, reason };
    return true;
  };
  switch (action) {
    case 'suppress_hard': {
      await insertBounce(trx, { workspaceId: ws, contactId: sent.contactId, type: 'hard', at: now, status: r.status || null, diagnostic: r.diagnostic, details });
      const done = await suppress('hard_bounce', 'all_mail', `bounce:${options.source}`);
      return { action, effect: done ? 'suppressed' : 'already_suppressed', suppression: created };
    }
    case 'count_soft': {
      // The engine reads a 5.x.y status (but 5.2.2) as hard: a soft failure keeps its code only where it agrees.
      const status = /^4\./.test(r.status) || r.status === '5.2.2' ? r.status : null;
      await insertBounce(trx, { workspaceId: ws, contactId: sent.contactId, type: 'soft', at: now, status, diagnostic: r.diagnostic, details: { ...details, status: r.status } });
      const policy = (await findBounceSettings(trx, ws)) ?? DEFAULT_SOFT_BOUNCE_POLICY;
      const times = await softBounceTimes(trx, ws, sent.contactId, new Date(now.getTime() - policy.days * 86_400_000));
      if (!softBounceLimitReached({ bounces: times, now, policy })) return { action, effect: 'soft_counted' };
      const done = await suppress('hard_bounce', 'all_mail', 'bounce:soft_limit');
      return { action, effect: done ? 'soft_limit_suppressed' : 'already_suppressed', suppression: created };
    }
    case 'complaint': {
      await suppress('complaint', 'marketing', `complaint:${options.source}`);
      await unsubscribeMany(trx, [{ workspaceId: ws, contactId: sent.contactId, at: now, source: 'complaint', details: { ...details, feedbackType: r.feedbackType ?? 'abuse' } }]);
      return { action, effect: 'suppressed', suppression: created };
    }
    case 'unsubscribe': {
      await unsubscribeMany(trx, [{ workspaceId: ws, contactId: sent.contactId, at: now, source: 'feedback_opt_out', details }]);
      return { action, effect: 'unsubscribed' };
    }
    default:
      // A sender problem or a report that asks nothing (delay notice, delivery, auto-reply) is only recorded.
      return { action, effect: 'recorded' };
  }
}
