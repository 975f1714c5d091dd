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
import type { Campaign } from './campaign.js';
import { findCampaign } from './campaigns.repository.js';
import { checkCampaign, type CheckResult } from './check-campaign.js';
import { evaluateAudience, type AudienceSummary } from './evaluate-audience.js';
import { compileCampaign, renderMessage, type CompiledCampaign } from './render-message.js';

export type Preview = { campaign: Campaign; sender: SenderProfile | null; compiled: CompiledCampaign | null; audience: AudienceSummary; check: CheckResult };

export type PreviewOptions = { db: Db; workspaceId: string; campaignId: string; secret: string; baseUrl: string; now: Date; onPage?: Parameters<typeof evaluateAudience>[0]['onPage'] };

export async function previewCampaign(options: PreviewOptions): Promise<Result<Preview>> {
  const { db, workspaceId, now } = options;
  const campaign = await findCampaign(db, workspaceId, options.campaignId);
  if (!campaign) return { ok: false, error: new AppError('not_found', `campaign ${options.campaignId}`) };
  const loaded = await loadSegments({ db, workspaceId, ids: campaign.segmentIds });
  if (!loaded.ok) return loaded;
  const segments = loaded.value;
  const sender = (await findSenderProfile(db, workspaceId)) ?? null;
  const audience = await evaluateAudience({ db, workspaceId, campaign, at: now, segments: segments.map((s) => s.filter), onPage: options.onPage });
  let compiled: CompiledCampaign | null = null;
  let sample = null;
  if (sender) {
    const c = compileCampaign({ campaign, sender });
    if (!c.ok) return c;
    compiled = c.value;
    const link = { baseUrl: options.baseUrl, secret: options.secret, workspaceId, contactId: audience.sample?.contactId ?? 'sample', campaignId: campaign.id, now };
    const unsub = unsubscribeUrl(link);
    const message = renderMessage(compiled, { contact: audience.sample?.fields ?? {}, unsubscribeUrl: unsub });
    sample = { message, unsubscribeUrl: unsub, oneClickUrl: oneClickUnsubscribeUrl(link) };
  }
  const check = checkCampaign({ campaign, sender, sample, audience: audience.groups });
  if (audience.byVerdict.send === 0) {
    check.ok = false;
    check.failures.push({ code: 'nobody_eligible', rule: 'platform', text: 'Nobody on the campaign\'s lists or in its segments may receive it now: see the block codes.' });
  }
  return { ok: true, value: { campaign, sender, compiled, audience, check } };
}
