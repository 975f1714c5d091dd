/** Replaces a draft campaign's fields; a campaign that is sending or sent can no longer change. */
import type { Db } from '../db/database.js';
import { AppError, invalidInput, type Result } from '../errors.js';
import { aSenderForCompile } from './compile-check.js';
import { campaignInputSchema, type Campaign } from './campaign.js';
import { findCampaign, updateCampaignRow } from './campaigns.repository.js';
import { compileCampaign } from './render-message.js';

export async function updateCampaign(options: { db: Db; workspaceId: string; campaignId: string; input: unknown; now: Date }): Promise<Result<Campaign>> {
  const parsed = campaignInputSchema.safeParse(options.input);
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error.issues) };
  const compiled = compileCampaign({ campaign: parsed.data, sender: aSenderForCompile(options.workspaceId) });
  if (!compiled.ok) return compiled;
  const updated = await updateCampaignRow(options.db, options.workspaceId, options.campaignId, parsed.data, options.now);
  if (updated) return { ok: true, value: updated };
  const exists = await findCampaign(options.db, options.workspaceId, options.campaignId);
  return { ok: false, error: exists ? new AppError('conflict', 'campaign is not a draft', { userMessage: 'Only a draft campaign can be edited.' }) : new AppError('not_found', 'campaign') };
}
