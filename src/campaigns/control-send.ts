/**
 * Pause, resume or cancel the running send of a campaign. Pausing stops new claims at once (rows already claimed
 * by a worker finish, at most one batch); cancelling also cancels every recipient not yet sent. Cancelling a
 * scheduled campaign before it starts cancels its schedule and puts it back to `draft`. Audited.
 */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import type { SendStatus } from '../sending/sending.table.js';
import { findCampaign, latestSendOf, setCampaignStatus, setSendStatus } from './campaigns.repository.js';
import { cancelPendingSchedule } from './schedules.repository.js';

export type SendAction = 'pause' | 'resume' | 'cancel';

export type ControlOutcome = { sendId: number; status: SendStatus } | { scheduleId: number; status: 'cancelled'; campaignStatus: 'draft' };

const transitions: Record<SendAction, { from: SendStatus[]; to: SendStatus; campaign: 'paused' | 'sending' | 'cancelled' }> = {
  pause: { from: ['sending'], to: 'paused', campaign: 'paused' },
  resume: { from: ['paused'], to: 'sending', campaign: 'sending' },
  cancel: { from: ['sending', 'paused'], to: 'cancelled', campaign: 'cancelled' },
};

async function cancelSchedule(options: { db: Db; workspaceId: string; campaignId: string; actor: Actor; now: Date; ip?: string | null }): Promise<number | undefined> {
  const { workspaceId, campaignId, now } = options;
  return options.db.transaction().execute(async (trx) => {
    if (!(await setCampaignStatus(trx, workspaceId, campaignId, ['scheduled'], 'draft', now))) return undefined;
    const scheduleId = await cancelPendingSchedule(trx, { workspaceId, campaignId, now });
    await recordAudit({ db: trx, workspaceId, actor: options.actor, action: 'campaign.schedule_cancelled', target: { type: 'campaign', id: campaignId }, ip: options.ip, at: now, details: { scheduleId } });
    return scheduleId ?? 0;
  });
}

export async function controlSend(options: { db: Db; workspaceId: string; campaignId: string; action: SendAction; actor: Actor; now: Date; ip?: string | null }): Promise<Result<ControlOutcome>> {
  const { db, workspaceId, campaignId, action, now } = options;
  const campaign = await findCampaign(db, workspaceId, campaignId);
  if (campaign?.status === 'scheduled') {
    if (action !== 'cancel') {
      return { ok: false, error: new AppError('conflict', `campaign ${campaignId} is scheduled`, { userMessage: 'The send has not started yet: it can be cancelled or rescheduled, not paused or resumed.' }) };
    }
    const scheduleId = await cancelSchedule(options);
    if (scheduleId !== undefined) return { ok: true, value: { scheduleId, status: 'cancelled', campaignStatus: 'draft' } };
    // It started meanwhile: cancel the send instead.
  }
  if (!campaign) return { ok: false, error: new AppError('not_found', `campaign ${campaignId}`) };
  const send = await latestSendOf(db, workspaceId, campaignId);
  if (!send) {
    return { ok: false, error: new AppError('conflict', `no send for campaign ${campaignId}`, { userMessage: `The campaign has not been sent yet: there is no send to ${action}.` }) };
  }
  const t = transitions[action];
  const changed = await db.transaction().execute(async (trx) => {
    if (!(await setSendStatus(trx, send.id, t.from, t.to, now))) return false;
    await setCampaignStatus(trx, workspaceId, campaignId, ['sending', 'paused'], t.campaign, now);
    await recordAudit({ db: trx, workspaceId, actor: options.actor, action: `campaign.send_${action}`, target: { type: 'campaign', id: campaignId }, ip: options.ip, at: now, details: { sendId: send.id } });
    return true;
  });
  if (!changed) return { ok: false, error: new AppError('conflict', `send ${send.id} is ${send.status}`, { userMessage: `The send is ${send.status}; it cannot be ${action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'cancelled'} now.` }) };
  return { ok: true, value: { sendId: send.id, status: t.to } };
}
