/**
 * The check before sending (`POST /api/v1/campaigns/:id/check`): evaluates the audience, renders the mail for the
 * first recipient who may receive it, and runs the gate. Reads only; nothing is queued.
 */
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import { oneClickUnsubscribeUrl, unsubscribeUrl } from '../public/links.js';
import type { SenderProfile } from '../senders/sender-profile.js';
import { findSenderProfile } from '../senders/senders.repository.js';
import { loadSegments } from '../segments/load-segments.js';
import type { SegmentFilter } from '../segments/segment-filter.js';
import type { Campaign } from './campaign.js';
import { findCampaign } from './campaigns.repository.js';
import { checkCampaign, type CheckResult } from './check-campaign.js';
import { evaluateAudience, type AudienceSummary } from './evaluate-audience.js';
import { compileCampaign, renderMessage, type CompiledCampaign } from './render-message.js';

export type Preview = { campaign: Campaign; sender: SenderProfile | null; compiled: CompiledCampaign | null; audience: AudienceSummary; check: CheckResult };

export type PreviewOptions = {
  db: Db; workspaceId: string; campaignId: string; secret: string; baseUrl: string; now: Date;
  /** The campaign as it would be after an edit, checked instead of the stored one. */
  campaign?: Campaign;
};

/** What the preview needs besides the audience: the campaign, its segments' filters, the sender, the compiled mail. */
export type PreviewInputs = { campaign: Campaign; segments: SegmentFilter[]; sender: SenderProfile | null; compiled: CompiledCampaign | null };

export async function previewCampaign(options: PreviewOptions): Promise<Result<Preview>> {
  const inputs = await loadPreviewInputs(options);
  if (!inputs.ok) return inputs;
  const audience = await evaluateAudience({ db: options.db, workspaceId: options.workspaceId, campaign: inputs.value.campaign, at: options.now, segments: inputs.value.segments });
  return { ok: true, value: finishPreview(options, inputs.value, audience) };
}

/** Reads the campaign, its segments and the sender, and compiles the mail (a template error is returned here). */
export async function loadPreviewInputs(options: { db: Db; workspaceId: string; campaignId: string; campaign?: Campaign }): Promise<Result<PreviewInputs>> {
  const { db, workspaceId } = options;
  const campaign = options.campaign ?? await findCampaign(db, workspaceId, options.campaignId);
  if (!campaign) return { ok: false, error: new AppError('not_found', `campaign ${options.campaignId}`) };
  const loaded = await loadSegments({ db, workspaceId, ids: campaign.segmentIds });
  if (!loaded.ok) return loaded;
  const sender = (await findSenderProfile(db, workspaceId)) ?? null;
  let compiled: CompiledCampaign | null = null;
  if (sender) {
    const c = compileCampaign({ campaign, sender });
    if (!c.ok) return c;
    compiled = c.value;
  }
  return { ok: true, value: { campaign, segments: loaded.value.map((s) => s.filter), sender, compiled } };
}

/** Renders the sample for the first recipient who may be mailed and runs the gate over the evaluated audience. Pure. */
export function finishPreview(options: { workspaceId: string; secret: string; baseUrl: string; now: Date }, inputs: PreviewInputs, audience: AudienceSummary): Preview {
  const { campaign, sender, compiled } = inputs;
  let sample = null;
  if (compiled) {
    const link = { baseUrl: options.baseUrl, secret: options.secret, workspaceId: options.workspaceId, contactId: audience.sample?.contactId ?? 'sample', campaignId: campaign.id, now: options.now };
    const unsub = unsubscribeUrl(link);
    const message = renderMessage(compiled, { contact: audience.sample?.fields ?? {}, unsubscribeUrl: unsub });
    sample = { message, unsubscribeUrl: unsub, oneClickUrl: oneClickUnsubscribeUrl(link) };
  }
  const check = checkCampaign({ campaign, sender, sample, audience: audience.groups });
  // Without any list or segment, `audience_empty` has said it already; "see the block codes" only when there are some.
  if (audience.byVerdict.send === 0 && !check.failures.some((f) => f.code === 'audience_empty')) {
    check.ok = false;
    check.failures.push({ code: 'nobody_eligible', rule: 'platform', text: audience.total === 0
      ? 'Nobody is on the campaign\'s lists or in its segments.'
      : 'Nobody on the campaign\'s lists or in its segments may receive it now: see the block codes.' });
  }
  return { campaign, sender, compiled, audience, check };
}
