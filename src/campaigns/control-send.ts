/**
 * Pause, resume or cancel the running send of a campaign. Pausing stops new claims at once (rows already claimed
 * by a worker finish, at most one batch); cancelling also cancels every recipient not yet sent. Audited.
 */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import type { SendStatus } from '../sending/sending.table.js';
import { latestSendOf, setCampaignStatus, setSendStatus } from './campaigns.repository.js';

export type SendAction = 'pause' | 'resume' | 'cancel';

const transitions: Record<SendAction, { from: SendStatus[]; to: SendStatus; campaign: 'paused' | 'sending' | 'cancelled' }> = {
  pause: { from: ['sending'], to: 'paused', campaign: 'paused' },
  resume: { from: ['paused'], to: 'sending', campaign: 'sending' },
  cancel: { from: ['sending', 'paused'], to: 'cancelled', campaign: 'cancelled' },
};

export async function controlSend(options: { db: Db; workspaceId: string; campaignId: string; action: SendAction; actor: Actor; now: Date; ip?: string | null }): Promise<Result<{ sendId: number; status: SendStatus }>> {
  const { db, workspaceId, campaignId, action, now } = options;
  const send = await latestSendOf(db, workspaceId, campaignId);
  if (!send) return { ok: false, error: new AppError('not_found', `no send for campaign ${campaignId}`) };
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
