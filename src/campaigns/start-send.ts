/**
 * Starts sending a campaign: the operator acknowledges the anti-spam terms (required every time, recorded with
 * who and when), the audience is evaluated, the gate must pass, and then in one transaction the send, its
 * snapshot and one outbox row per recipient (queued, or blocked with the engine's reasons) are written.
 */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import type { RecipientVerdict } from '../sending/evaluate-recipients.js';
import type { SendSnapshot } from '../sending/load-send-context.js';
import { insertRecipients, insertSend, setCampaignStatus } from './campaigns.repository.js';
import { previewCampaign, type Preview } from './preview-campaign.js';

/** The terms the operator confirms for every send (campaign.ack_checked_at in RULES.md §0.2). */
export const ANTI_SPAM_TERMS = 'anti-spam-terms-v1: every recipient gave the permission the engine recorded; no bought, rented or harvested addresses; the list origin is as declared.';

export type StartSendOptions = {
  db: Db; workspaceId: string; campaignId: string; actor: Actor; acknowledged: boolean;
  secret: string; baseUrl: string; now: Date; ip?: string | null;
};

export type StartedSend = { sendId: number; queued: number; blocked: number; preview: Preview };

export async function startSend(options: StartSendOptions): Promise<Result<StartedSend>> {
  const { db, workspaceId, now } = options;
  if (!options.acknowledged) {
    return { ok: false, error: new AppError('invalid_input', 'acknowledgement missing', {
      userMessage: 'Confirm the anti-spam terms for this send: every recipient gave permission, and no list was bought, rented or harvested.',
      details: { issues: [{ path: 'acknowledge', message: 'must be true' }] },
    }) };
  }
  const verdicts: RecipientVerdict[] = [];
  const preview = await previewCampaign({ ...options, onPage: async (page) => { verdicts.push(...page); } });
  if (!preview.ok) return preview;
  const { campaign, sender, compiled, check } = preview.value;
  if (!check.ok || !sender || !compiled) {
    return { ok: false, error: new AppError('invalid_input', `campaign check failed: ${check.failures.map((f) => f.code).join(', ')}`, {
      userMessage: check.failures[0]?.text ?? 'The campaign cannot be sent yet.',
      details: { issues: check.failures.map((f) => ({ path: f.code, message: f.text })), failures: check.failures },
    }) };
  }
  const { dkimPrivateKeyPem: _key, ...senderWithoutKey } = sender;
  const snapshot: SendSnapshot = { campaign, sender: senderWithoutKey, links: compiled.links };
  const result = await db.transaction().execute(async (trx) => {
    if (!(await setCampaignStatus(trx, workspaceId, campaign.id, ['draft', 'scheduled', 'sent', 'cancelled'], 'sending', now))) return undefined;
    const sendId = await insertSend(trx, { workspaceId, campaignId: campaign.id, acknowledgedBy: `${options.actor.type}:${options.actor.id}`, acknowledgement: ANTI_SPAM_TERMS, snapshot, now });
    const rows = verdicts.filter((v) => v.email).map((v) => ({ contactId: v.contactId, email: v.email!, verdict: v.answer.verdict, basis: v.answer.basis, reasons: v.answer.reasons }));
    await insertRecipients(trx, workspaceId, sendId, rows, now);
    const queued = rows.filter((r) => r.verdict === 'send').length;
    await recordAudit({ db: trx, workspaceId, actor: options.actor, action: 'campaign.send_started', target: { type: 'campaign', id: campaign.id }, ip: options.ip, at: now,
      details: { sendId, queued, blocked: rows.length - queued, acknowledgement: ANTI_SPAM_TERMS } });
    return { sendId, queued, blocked: rows.length - queued };
  });
  if (!result) return { ok: false, error: new AppError('conflict', 'campaign is already sending', { userMessage: 'This campaign is already being sent.' }) };
  return { ok: true, value: { ...result, preview: preview.value } };
}
