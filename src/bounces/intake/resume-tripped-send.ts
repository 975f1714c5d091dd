/** The operator resumes a send the circuit breaker paused, having seen why; the resume is audited. */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../../audit/record-audit.js';
import { setCampaignStatus, setSendStatus } from '../../campaigns/campaigns.repository.js';
import type { Database } from '../../db/schema.js';
import { AppError, type Result } from '../../errors.js';
import { findTrip, markTripResumed } from './intake.repository.js';

export async function resumeTrippedSend(options: { db: Kysely<Database>; workspaceId: string; sendId: number; actor: Actor; now: Date }): Promise<Result<{ sendId: number; status: 'sending' }>> {
  const { workspaceId, sendId, actor, now } = options;
  return options.db.transaction().execute(async (trx) => {
    const trip = await findTrip(trx, workspaceId, sendId);
    if (!trip) return { ok: false, error: new AppError('not_found', `no circuit-breaker trip for send ${sendId}`) };
    // The send's own compare-and-set comes first, so a refusal leaves nothing half-written.
    if (!(await setSendStatus(trx, sendId, ['paused'], 'sending', now))) {
      return { ok: false, error: new AppError('conflict', `send ${sendId} is not paused`, { userMessage: 'This send is not paused.' }) };
    }
    await markTripResumed(trx, workspaceId, sendId, `${actor.type}:${actor.id ?? ''}`, now);
    await setCampaignStatus(trx, workspaceId, trip.campaign_id, ['paused'], 'sending', now);
    await recordAudit({ db: trx, workspaceId, actor, action: 'send.resume_after_breaker', target: { type: 'send', id: String(sendId) }, details: { reason: trip.reason, rate: trip.rate }, at: now });
    return { ok: true, value: { sendId, status: 'sending' } };
  });
}
