/**
 * Moves a scheduled send to another time before it starts (the campaign's `scheduledAt` follows). A time already
 * past makes it due at once: the next round of a send worker starts it. A start already under way for the old
 * time loses its claim and cannot commit. The acknowledgement given when it was scheduled stands. Audited.
 */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import { findCampaign, setScheduledAt } from './campaigns.repository.js';
import { movePendingSchedule } from './schedules.repository.js';

export async function rescheduleSend(options: { db: Db; workspaceId: string; campaignId: string; runAt: Date; actor: Actor; now: Date; ip?: string | null }): Promise<Result<{ scheduleId: number; runAt: Date }>> {
  const { db, workspaceId, campaignId, runAt, now } = options;
  const scheduleId = await db.transaction().execute(async (trx) => {
    if (!(await setScheduledAt(trx, workspaceId, campaignId, runAt.toISOString(), now))) return undefined;
    const id = await movePendingSchedule(trx, { workspaceId, campaignId, runAt, now });
    if (id === undefined) return undefined;
    await recordAudit({ db: trx, workspaceId, actor: options.actor, action: 'campaign.send_rescheduled', target: { type: 'campaign', id: campaignId }, ip: options.ip, at: now,
      details: { scheduleId: id, runAt: runAt.toISOString() } });
    return id;
  });
  if (scheduleId !== undefined) return { ok: true, value: { scheduleId, runAt } };
  const campaign = await findCampaign(db, workspaceId, campaignId);
  if (!campaign) return { ok: false, error: new AppError('not_found', `campaign ${campaignId}`) };
  return { ok: false, error: new AppError('conflict', `campaign ${campaignId} is ${campaign.status}`, { userMessage: `Only a scheduled send can be moved; this campaign is ${campaign.status}.` }) };
}
