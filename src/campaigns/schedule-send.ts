/**
 * Schedules a campaign's send for a later time. The operator's acknowledgement of the anti-spam terms is taken
 * and recorded now (who, when); the gate is run now on the campaign as it stands, so that a missing imprint or an
 * empty subject is said today rather than at the scheduled time. The audience is not stored: it is evaluated
 * when the send starts. Nobody being eligible yet does not stop a schedule (the lists may still fill).
 */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import type { AudienceSummary } from './evaluate-audience.js';
import { setCampaignStatus } from './campaigns.repository.js';
import { previewCampaign } from './preview-campaign.js';
import { insertSchedule } from './schedules.repository.js';
import { acknowledgementMissing, ANTI_SPAM_TERMS, checkFailed } from './start-send.js';

export type ScheduledSend = { scheduleId: number; runAt: Date; acknowledgedBy: string; acknowledgedAt: Date; audience: AudienceSummary };

export async function scheduleSend(options: {
  db: Db; workspaceId: string; campaignId: string; runAt: Date; actor: Actor; acknowledged: boolean;
  secret: string; baseUrl: string; now: Date; ip?: string | null;
}): Promise<Result<ScheduledSend>> {
  const { db, workspaceId, campaignId, runAt, now } = options;
  if (!options.acknowledged) return { ok: false, error: acknowledgementMissing() };
  const preview = await previewCampaign({ db, workspaceId, campaignId, secret: options.secret, baseUrl: options.baseUrl, now });
  if (!preview.ok) return preview;
  const { check, audience } = preview.value;
  const failures = check.failures.filter((f) => f.code !== 'nobody_eligible');
  if (failures.length > 0) return { ok: false, error: checkFailed({ ...check, ok: false, failures }) };
  const acknowledgedBy = `${options.actor.type}:${options.actor.id}`;
  const scheduleId = await db.transaction().execute(async (trx) => {
    if (!(await setCampaignStatus(trx, workspaceId, campaignId, ['draft', 'sent', 'cancelled'], 'scheduled', now))) return undefined;
    const id = await insertSchedule(trx, { workspaceId, campaignId, runAt, acknowledgedBy, acknowledgement: ANTI_SPAM_TERMS, now });
    await recordAudit({ db: trx, workspaceId, actor: options.actor, action: 'campaign.send_scheduled', target: { type: 'campaign', id: campaignId }, ip: options.ip, at: now,
      details: { scheduleId: id, runAt: runAt.toISOString(), acknowledgement: ANTI_SPAM_TERMS } });
    return id;
  });
  if (scheduleId === undefined) {
    const status = preview.value.campaign.status;
    return { ok: false, error: new AppError('conflict', `campaign ${campaignId} is ${status}`, { userMessage: status === 'scheduled' ? 'This campaign is already scheduled: reschedule or cancel it.' : 'This campaign is already being sent.' }) };
  }
  return { ok: true, value: { scheduleId, runAt, acknowledgedBy, acknowledgedAt: now, audience } };
}
