/**
 * Starts sending a campaign now: the operator acknowledges the anti-spam terms (required every time, recorded with
 * who and when), the audience is evaluated, the gate must pass, and then in one transaction the send, its
 * snapshot and one outbox row per recipient (queued, or blocked with the engine's reasons) are written.
 * A scheduled send is started the same way by a send worker when it is due (`start-due-sends.ts`): it carries
 * the acknowledgement given when it was scheduled, and commits only if its schedule is still claimed and due.
 */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import type { RecipientVerdict } from '../sending/evaluate-recipients.js';
import type { SendSnapshot } from '../sending/load-send-context.js';
import { analyzeOutbox } from '../sending/outbox.repository.js';
import { insertRecipients, insertSend, setCampaignStatus } from './campaigns.repository.js';
import type { CheckResult } from './check-campaign.js';
import { previewCampaign, type Preview } from './preview-campaign.js';
import { markScheduleStarted } from './schedules.repository.js';

/** The terms the operator confirms for every send (campaign.ack_checked_at in RULES.md §0.2). */
export const ANTI_SPAM_TERMS = 'anti-spam-terms-v1: every recipient gave the permission the engine recorded; no bought, rented or harvested addresses; the list origin is as declared.';

export type StartSendOptions = {
  db: Db; workspaceId: string; campaignId: string; actor: Actor; acknowledged: boolean;
  secret: string; baseUrl: string; now: Date; ip?: string | null;
  /** Set when a send worker starts a due schedule: its claim, and the acknowledgement given when it was scheduled. */
  schedule?: { id: number; claim: string; acknowledgedBy: string; acknowledgedAt: Date };
};

export type StartedSend = { sendId: number; queued: number; blocked: number; preview: Preview };

export const acknowledgementMissing = () => new AppError('invalid_input', 'acknowledgement missing', {
  userMessage: 'Confirm the anti-spam terms for this send: every recipient gave permission, and no list was bought, rented or harvested.',
  details: { issues: [{ path: 'acknowledge', message: 'must be true' }] },
});

export const checkFailed = (check: CheckResult) => new AppError('invalid_input', `campaign check failed: ${check.failures.map((f) => f.code).join(', ')}`, {
  userMessage: check.failures[0]?.text ?? 'The campaign cannot be sent yet.',
  details: { issues: check.failures.map((f) => ({ path: f.code, message: f.text })), failures: check.failures },
});

/** Thrown inside the transaction to roll it back when the schedule was cancelled or moved meanwhile. */
class ScheduleLost extends Error {}

export async function startSend(options: StartSendOptions): Promise<Result<StartedSend>> {
  const { db, workspaceId, now, schedule } = options;
  if (!options.acknowledged) return { ok: false, error: acknowledgementMissing() };
  const verdicts: RecipientVerdict[] = [];
  const preview = await previewCampaign({ ...options, onPage: async (page) => { verdicts.push(...page); } });
  if (!preview.ok) return preview;
  const { campaign, sender, compiled, check } = preview.value;
  if (!check.ok || !sender || !compiled) return { ok: false, error: checkFailed(check) };
  const { dkimPrivateKeyPem: _key, ...senderWithoutKey } = sender;
  const snapshot: SendSnapshot = { campaign, sender: senderWithoutKey, links: compiled.links };
  const acknowledgedBy = schedule?.acknowledgedBy ?? `${options.actor.type}:${options.actor.id}`;
  let result;
  try {
    result = await db.transaction().execute(async (trx) => {
      // A scheduled campaign starts only through its schedule; "send now" on one is a reschedule.
      const from = schedule ? ['scheduled' as const] : ['draft' as const, 'sent' as const, 'cancelled' as const];
      if (!(await setCampaignStatus(trx, workspaceId, campaign.id, from, 'sending', now))) return undefined;
      const sendId = await insertSend(trx, { workspaceId, campaignId: campaign.id, acknowledgedBy, acknowledgedAt: schedule?.acknowledgedAt, acknowledgement: ANTI_SPAM_TERMS, snapshot, now });
      if (schedule && !(await markScheduleStarted(trx, { id: schedule.id, claim: schedule.claim, sendId, now }))) throw new ScheduleLost();
      const rows = verdicts.filter((v) => v.email).map((v) => ({ contactId: v.contactId, email: v.email!, verdict: v.answer.verdict, basis: v.answer.basis, reasons: v.answer.reasons }));
      await insertRecipients(trx, workspaceId, sendId, rows, now);
      const queued = rows.filter((r) => r.verdict === 'send').length;
      await recordAudit({ db: trx, workspaceId, actor: options.actor, action: 'campaign.send_started', target: { type: 'campaign', id: campaign.id }, ip: options.ip, at: now,
        details: { sendId, queued, blocked: rows.length - queued, acknowledgement: ANTI_SPAM_TERMS, acknowledgedBy, ...(schedule ? { scheduleId: schedule.id } : {}) } });
      return { sendId, queued, blocked: rows.length - queued };
    });
  } catch (err) {
    if (!(err instanceof ScheduleLost)) throw err;
    result = undefined;
  }
  if (!result) {
    return { ok: false, error: schedule
      ? new AppError('conflict', `schedule ${schedule.id} was cancelled or moved before it started`, { userMessage: 'The scheduled send was cancelled or moved before it started.' })
      : new AppError('conflict', `campaign ${campaign.id} is ${campaign.status}`, { userMessage: campaign.status === 'scheduled' ? 'This campaign is scheduled: reschedule it to send it now, or cancel the schedule.' : 'This campaign is already being sent.' }) };
  }
  if (result.queued > 0) await analyzeOutbox(db);
  return { ok: true, value: { ...result, preview: preview.value } };
}
