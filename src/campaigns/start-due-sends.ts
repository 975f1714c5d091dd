/**
 * Starts the scheduled sends that are due at `now`: claims them (several workers may run this at once), and
 * starts each as `startSend` does, evaluating its audience at this moment. A start the gate refuses (the sender
 * profile was removed, nobody may receive it now…) ends the schedule `failed` with the reason and puts the
 * campaign back to `draft`, audited; a start that breaks (database) is tried again later.
 */
import { recordAudit } from '../audit/record-audit.js';
import type { Db } from '../db/database.js';
import { setCampaignStatus } from './campaigns.repository.js';
import { markScheduleFailed, postponeScheduleClaim, claimDueSchedules } from './schedules.repository.js';
import { scheduleRetryDelayMs } from './send-plan.js';
import { startSend } from './start-send.js';

export type DueSendsOutcome = { claimed: number; started: number; failed: number };

const system = { type: 'system' as const, id: null };
let claims = 0;

export async function startDueSends(options: {
  db: Db; workerId: string; now: Date; secret: string; baseUrl: string;
  /** How long a claim holds while the audience is evaluated (default 10 minutes). */
  leaseMs?: number; limit?: number; log?: (entry: Record<string, unknown>) => void;
}): Promise<DueSendsOutcome> {
  const { db, now } = options;
  const claim = `${options.workerId}:s${++claims}`;
  const due = await claimDueSchedules(db, { claim, now, leaseMs: options.leaseMs ?? 600_000, limit: options.limit ?? 5 });
  const outcome: DueSendsOutcome = { claimed: due.length, started: 0, failed: 0 };
  for (const s of due) {
    const where = { workspaceId: s.workspace_id, campaignId: s.campaign_id, scheduleId: s.id };
    try {
      const r = await startSend({
        db, workspaceId: s.workspace_id, campaignId: s.campaign_id, actor: system, acknowledged: true, secret: options.secret, baseUrl: options.baseUrl, now,
        schedule: { id: s.id, claim, acknowledgedBy: s.acknowledged_by, acknowledgedAt: s.acknowledged_at },
      });
      if (r.ok) {
        outcome.started += 1;
        options.log?.({ msg: 'scheduled send started', ...where, sendId: r.value.sendId, queued: r.value.queued, blocked: r.value.blocked });
        continue;
      }
      if (r.error.code === 'conflict') { options.log?.({ msg: 'scheduled send not started', ...where, reason: r.error.message }); continue; }
      const reason = r.error.userMessage;
      const ended = await db.transaction().execute(async (trx) => {
        if (!(await markScheduleFailed(trx, { id: s.id, claim, error: reason, now }))) return false;
        await setCampaignStatus(trx, s.workspace_id, s.campaign_id, ['scheduled'], 'draft', now);
        await recordAudit({ db: trx, workspaceId: s.workspace_id, actor: system, action: 'campaign.schedule_failed', target: { type: 'campaign', id: s.campaign_id }, at: now,
          details: { scheduleId: s.id, reason: r.error.message } });
        return true;
      });
      if (ended) outcome.failed += 1;
      options.log?.({ msg: 'scheduled send refused', ...where, reason: r.error.message });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const retryAt = new Date(now.getTime() + scheduleRetryDelayMs(s.attempts));
      options.log?.({ msg: 'scheduled send could not start; will retry', ...where, retryAt: retryAt.toISOString(), err: message });
      await postponeScheduleClaim(db, { id: s.id, claim, retryAt, error: message, now }).catch(() => undefined);
    }
  }
  return outcome;
}
