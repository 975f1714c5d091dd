/**
 * Evaluates a campaign's whole audience now: every contact on its lists or in its segments (each once), page by
 * page, through the engine. A segment only chooses who is looked at; the engine still decides who may be mailed.
 * Used by the preview/check (counts by verdict and block code) and by the start of a send (which stores each
 * verdict with its reasons).
 */
import type { Db } from '../db/database.js';
import type { AudienceGroup } from './check-campaign.js';
import type { CampaignFields } from './campaign.js';
import { listCampaignAudienceIds } from '../sending/audience.repository.js';
import type { SegmentFilter } from '../segments/segment-filter.js';
import { evaluateLoaded, loadRecipientData, readWorkspacePolicy, type RecipientVerdict } from '../sending/evaluate-recipients.js';

export type AudienceSummary = {
  total: number;
  byVerdict: { send: number; block: number };
  /** Blocked recipients by the code of their first blocking reason. */
  byBlockCode: Record<string, number>;
  groups: AudienceGroup[];
  /** The first recipient who may be mailed, to render the sample that the gate checks. */
  sample: RecipientVerdict | null;
};

/** Recipients evaluated between two turns of the event loop (~5 ms of engine work). */
const SLICE = 250;

export async function evaluateAudience(options: {
  db: Db; workspaceId: string; campaign: CampaignFields; at: Date;
  /** The filters of the campaign's segments, read by the caller (default: none). */
  segments?: SegmentFilter[];
  /** Receives each page of verdicts (start-send stores them); the summary is returned either way. */
  onPage?: (page: RecipientVerdict[]) => Promise<void>;
}): Promise<AudienceSummary> {
  const { db, workspaceId, campaign, at } = options;
  const summary: AudienceSummary = { total: 0, byVerdict: { send: 0, block: 0 }, byBlockCode: {}, groups: [], sample: null };
  const seen = new Set<string>();
  // the workspace's settings (RULES.md C-1), read once: the whole audience is judged under the same ones
  const workspacePolicy = await readWorkspacePolicy(db, workspaceId);
  const fetchPage = async (after: string | undefined) => {
    const ids = await listCampaignAudienceIds(db, { workspaceId, listIds: campaign.listIds, segments: options.segments ?? [], after, limit: 2000 });
    return ids.length === 0 ? undefined : { ids, data: await loadRecipientData({ db, workspaceId, contactIds: ids }) };
  };
  // The next page is read while this one is evaluated (on PostgreSQL the two run side by side).
  let next = fetchPage(undefined);
  for (;;) {
    const loaded = await next;
    if (!loaded) break;
    next = fetchPage(loaded.ids[loaded.ids.length - 1]);
    // A failed read surfaces when it is awaited, never as an unhandled rejection in between.
    next.catch(() => undefined);
    // Evaluated in slices with a turn of the event loop between them, so that the read of the next page moves on
    // (its second statement is sent when its first answers) instead of waiting for the whole page's evaluation.
    const page: RecipientVerdict[] = [];
    for (let i = 0; i < loaded.ids.length; i += SLICE) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const verdicts = evaluateLoaded({ contactIds: loaded.ids.slice(i, i + SLICE), data: loaded.data.slice(i, i + SLICE), at, workspacePolicy, message: { channel: 'email', purpose: campaign.purpose, categories: campaign.categories } });
      for (const v of verdicts.values()) page.push(v);
    }
    for (const v of page) {
      summary.total += 1;
      if (v.answer.verdict === 'send') {
        summary.byVerdict.send += 1;
        summary.sample ??= v;
        const key = `${[...v.policies].sort().join(',')}|${v.answer.basis}`;
        if (!seen.has(key)) { seen.add(key); summary.groups.push({ policies: v.policies as AudienceGroup['policies'], basis: v.answer.basis }); }
      } else {
        summary.byVerdict.block += 1;
        const code = v.answer.reasons.find((r) => r.effect === 'block')?.code ?? 'unknown';
        summary.byBlockCode[code] = (summary.byBlockCode[code] ?? 0) + 1;
      }
    }
    if (options.onPage) await options.onPage(page);
  }
  return summary;
}
