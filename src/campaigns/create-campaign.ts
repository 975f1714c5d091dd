/**
 * Creates a draft campaign; the fields are validated, every Liquid template is parsed and every list and segment
 * named must be one of the workspace's before it is stored.
 */
import type { Db } from '../db/database.js';
import { invalidInput, type Result } from '../errors.js';
import { existingListIds, findSegments } from '../segments/segments.repository.js';
import { aSenderForCompile } from './compile-check.js';
import { campaignInputSchema, type Campaign, type CampaignFields } from './campaign.js';
import { insertCampaign } from './campaigns.repository.js';
import { compileCampaign } from './render-message.js';

/** Parses the fields and checks templates, lists and segments; shared by create and update. */
export async function checkCampaignInput(options: { db: Db; workspaceId: string; input: unknown }): Promise<Result<CampaignFields>> {
  const parsed = campaignInputSchema.safeParse(options.input);
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error.issues) };
  const compiled = compileCampaign({ campaign: parsed.data, sender: aSenderForCompile(options.workspaceId) });
  if (!compiled.ok) return compiled;
  const { listIds, segmentIds } = parsed.data;
  // An unknown list used to be stored as given: the check then found nobody (a list's name in place of its id
  // even failed the audience query).
  const knownLists = listIds.length > 0 ? await existingListIds(options.db, options.workspaceId, listIds) : new Set<string>();
  const knownSegments = segmentIds.length > 0 ? new Set((await findSegments(options.db, options.workspaceId, segmentIds)).map((s) => s.id)) : new Set<string>();
  const missing = [
    ...listIds.map((id, i) => ({ id, path: ['listIds', i], known: knownLists, message: 'no such list in this workspace (give the list\'s id)' })),
    ...segmentIds.map((id, i) => ({ id, path: ['segmentIds', i], known: knownSegments, message: 'no such segment in this workspace' })),
  ].filter((x) => !x.known.has(x.id));
  if (missing.length > 0) return { ok: false, error: invalidInput(missing.map(({ path, message }) => ({ path, message }))) };
  return { ok: true, value: parsed.data };
}

export async function createCampaign(options: { db: Db; workspaceId: string; input: unknown; now: Date }): Promise<Result<Campaign>> {
  const fields = await checkCampaignInput(options);
  if (!fields.ok) return fields;
  return { ok: true, value: await insertCampaign(options.db, options.workspaceId, fields.value, options.now) };
}
