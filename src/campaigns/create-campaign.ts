/** Creates a draft campaign; the fields are validated and every Liquid template is parsed before it is stored. */
import type { Db } from '../db/database.js';
import { invalidInput, type Result } from '../errors.js';
import { aSenderForCompile } from './compile-check.js';
import { campaignInputSchema, type Campaign } from './campaign.js';
import { insertCampaign } from './campaigns.repository.js';
import { compileCampaign } from './render-message.js';

export async function createCampaign(options: { db: Db; workspaceId: string; input: unknown; now: Date }): Promise<Result<Campaign>> {
  const parsed = campaignInputSchema.safeParse(options.input);
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error.issues) };
  const compiled = compileCampaign({ campaign: parsed.data, sender: aSenderForCompile(options.workspaceId) });
  if (!compiled.ok) return compiled;
  return { ok: true, value: await insertCampaign(options.db, options.workspaceId, parsed.data, options.now) };
}
