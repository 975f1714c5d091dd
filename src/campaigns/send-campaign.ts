/**
 * `POST /campaigns/:id/send`: starts the send now, or, when the campaign's `scheduledAt` is still ahead, schedules
 * it (a send worker starts it when due). The acknowledgement is required either way and recorded now.
 */
import type { Actor } from '../audit/record-audit.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import { findCampaign } from './campaigns.repository.js';
import { scheduleSend, type ScheduledSend } from './schedule-send.js';
import { planSend } from './send-plan.js';
import { acknowledgementMissing, startSend, type StartedSend } from './start-send.js';

export type SendRequestOutcome = ({ status: 'sending' } & StartedSend) | ({ status: 'scheduled' } & ScheduledSend);

export async function sendCampaign(options: {
  db: Db; workspaceId: string; campaignId: string; actor: Actor; acknowledged: boolean;
  secret: string; baseUrl: string; now: Date; ip?: string | null;
}): Promise<Result<SendRequestOutcome>> {
  if (!options.acknowledged) return { ok: false, error: acknowledgementMissing() };
  const campaign = await findCampaign(options.db, options.workspaceId, options.campaignId);
  if (!campaign) return { ok: false, error: new AppError('not_found', `campaign ${options.campaignId}`) };
  const plan = planSend({ scheduledAt: campaign.scheduledAt, now: options.now });
  if (plan.kind === 'scheduled') {
    const r = await scheduleSend({ ...options, runAt: plan.runAt });
    return r.ok ? { ok: true, value: { status: 'scheduled', ...r.value } } : r;
  }
  const r = await startSend(options);
  return r.ok ? { ok: true, value: { status: 'sending', ...r.value } } : r;
}
