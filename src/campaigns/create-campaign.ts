/**
 * Creates a draft campaign; the fields are validated, every Liquid template is parsed and every segment named
 * must be one of the workspace's before it is stored.
 */
import type { Db } from '../db/database.js';
import { invalidInput, type Result } from '../errors.js';
import { findSegments } from '../segments/segments.repository.js';
import { aSenderForCompile } from './compile-check.js';
import { campaignInputSchema, type Campaign, type CampaignFields } from './campaign.js';
import { insertCampaign } from './campaigns.repository.js';
import { compileCampaign } from './render-message.js';

/** Parses the fields and checks templates and segments; shared by create and update. */
export async function checkCampaignInput(options: { db: Db; workspaceId: string; input: unknown }): Promise<Result<CampaignFields>> {
  const parsed = campaignInputSchema.safeParse(options.input);
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error.issues) };
  const compiled = compileCampaign({ campaign: parsed.data, sender: aSenderForCompile(options.workspaceId) });
  if (!compiled.ok) return compiled;
  const ids = parsed.data.segmentIds;
  if (ids.length > 0) {
    const known = new Set((await findSegments(options.db, options.workspaceId, ids)).map((s) => s.id));
    const missing = ids.map((id, i) => ({ id, i })).filter((x) => !known.has(x.id));
    if (missing.length > 0) return { ok: false, error: invalidInput(missing.map((x) => ({ path: ['segmentIds', x.i], message: 'no such segment in this workspace' }))) };
  }
  return { ok: true, value: parsed.data };
}

export async function createCampaign(options: { db: Db; workspaceId: string; input: unknown; now: Date }): Promise<Result<Campaign>> {
  const fields = await checkCampaignInput(options);
  if (!fields.ok) return fields;
  return { ok: true, value: await insertCampaign(options.db, options.workspaceId, fields.value, options.now) };
}
