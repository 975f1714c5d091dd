/**
 * Replaces a campaign's fields before it starts (draft or scheduled); a campaign that is sending or sent can no
 * longer change. On a scheduled campaign `scheduledAt` stays required and moves its pending send with it, and the
 * change must pass the check before sending (its send would start unattended).
 */
import type { Db } from '../db/database.js';
import { AppError, invalidInput, type Result } from '../errors.js';
import type { Campaign } from './campaign.js';
import { findCampaign, updateCampaignRow } from './campaigns.repository.js';
import { checkCampaignInput } from './create-campaign.js';
import { previewCampaign } from './preview-campaign.js';
import { movePendingSchedule } from './schedules.repository.js';

export async function updateCampaign(options: { db: Db; workspaceId: string; campaignId: string; input: unknown; now: Date; secret: string; baseUrl: string }): Promise<Result<Campaign>> {
  const { db, workspaceId, campaignId, now } = options;
  const fields = await checkCampaignInput(options);
  if (!fields.ok) return fields;
  const current = await findCampaign(db, workspaceId, campaignId);
  if (!current) return { ok: false, error: new AppError('not_found', 'campaign') };
  if (current.status !== 'draft' && current.status !== 'scheduled') {
    return { ok: false, error: new AppError('conflict', 'campaign is not a draft', { userMessage: 'Only a draft or scheduled campaign can be edited.' }) };
  }
  const scheduledAt = fields.value.scheduledAt;
  if (current.status === 'scheduled' && !scheduledAt) {
    return { ok: false, error: invalidInput([{ path: ['scheduledAt'], message: 'a scheduled campaign keeps its time: move it with /reschedule, or cancel the schedule first' }]) };
  }
  if (current.status === 'scheduled') {
    // Its send starts unattended: a change the gate would refuse then is refused now, while someone is there.
    const preview = await previewCampaign({ ...options, campaign: { ...current, ...fields.value } });
    if (!preview.ok) return preview;
    // as when scheduling, an audience that is empty now may not be then
    const failures = preview.value.check.failures.filter((f) => f.code !== 'nobody_eligible');
    if (failures.length > 0) {
      return { ok: false, error: new AppError('invalid_input', `scheduled campaign edit fails the check: ${failures.map((f) => f.code).join(', ')}`, {
        userMessage: `This campaign is scheduled for ${new Date(scheduledAt!).toISOString()}, and with this change its send would be refused then: ${failures[0].text} Fix it, or cancel the schedule to edit it as a draft.`,
        details: { issues: failures.map((f) => ({ path: f.code, message: f.text })), failures },
      }) };
    }
  }
  const updated = await db.transaction().execute(async (trx) => {
    // Compare-and-set on the status read above, so that a schedule and the campaign's time never disagree.
    const c = await updateCampaignRow(trx, workspaceId, campaignId, fields.value, now, [current.status]);
    if (c && c.status === 'scheduled' && scheduledAt !== current.scheduledAt) {
      await movePendingSchedule(trx, { workspaceId, campaignId, runAt: new Date(scheduledAt!), now });
    }
    return c;
  });
  if (updated) return { ok: true, value: updated };
  return { ok: false, error: new AppError('conflict', 'campaign changed meanwhile', { userMessage: 'The campaign started or changed meanwhile; reload it.' }) };
}
