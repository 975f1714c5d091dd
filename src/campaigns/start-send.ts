/**
 * Starts sending a campaign now: the operator acknowledges the anti-spam terms (required every time, recorded with
 * who and when), the audience is evaluated page by page into one outbox row per recipient (queued, or blocked
 * with the engine's reasons), the gate must pass over the whole audience, and in one transaction the send, its
 * snapshot and its rows are written and the campaign moves to `sending`.
 * A scheduled send is started the same way by a send worker when it is due (`start-due-sends.ts`): it carries
 * the acknowledgement given when it was scheduled, and commits only if its schedule is still claimed and due.
 */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import { databaseKind, readsBesideTransaction, type Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import type { RecipientVerdict } from '../sending/evaluate-recipients.js';
import type { SendSnapshot } from '../sending/load-send-context.js';
import { analyzeOutbox } from '../sending/outbox.repository.js';
import { copyBinaryRows } from '../db/copy-rows.js';
import { copyRecipients, encodeRecipients, insertSend, RECIPIENT_COLUMNS, reserveSendId, setCampaignStatus, setSendCounts, type QueuedRecipient } from './campaigns.repository.js';
import type { CheckResult } from './check-campaign.js';
import { evaluateAudience } from './evaluate-audience.js';
import { finishPreview, loadPreviewInputs, previewCampaign, type Preview } from './preview-campaign.js';
import { markScheduleStarted } from './schedules.repository.js';

/** The terms the operator confirms for every send (campaign.ack_checked_at in RULES.md §0.2). */
export const ANTI_SPAM_TERMS = 'anti-spam-terms-v1: every recipient gave the permission the engine recorded; no bought, rented or harvested addresses; the list origin is as declared.';

export type StartSendOptions = {
  db: Db; workspaceId: string; campaignId: string; actor: Actor; acknowledged: boolean;
  secret: string; baseUrl: string; now: Date; ip?: string | null;
  /** Set when a send worker starts a due schedule: its claim, and the acknowledgement given when it was scheduled. */
  schedule?: { id: number; claim: string; acknowledgedBy: string; acknowledgedAt: Date };
};

/** `acknowledgedBy`/`At`: the acknowledgement recorded with the send (the schedule's, for a scheduled one). */
export type StartedSend = { sendId: number; queued: number; blocked: number; acknowledgedBy: string; acknowledgedAt: Date; preview: Preview };

export const acknowledgementMissing = () => new AppError('invalid_input', 'acknowledgement missing', {
  userMessage: 'Confirm the anti-spam terms for this send: every recipient gave permission, and no list was bought, rented or harvested.',
  details: { issues: [{ path: 'acknowledge', message: 'must be true' }] },
});

export const checkFailed = (check: CheckResult) => new AppError('invalid_input', `campaign check failed: ${check.failures.map((f) => f.code).join(', ')}`, {
  userMessage: check.failures[0]?.text ?? 'The campaign cannot be sent yet.',
  details: { issues: check.failures.map((f) => ({ path: f.code, message: f.text })), failures: check.failures },
});

/** Thrown inside the transaction to roll it back, with the answer to give (the gate, a conflict, a lost schedule). */
class Refused extends Error {
  constructor(readonly error: AppError) { super(error.message); }
}

/**
 * On PostgreSQL the audience is evaluated inside the start's transaction and each page of outbox rows is written
 * (COPY) while the next page is read and evaluated, so no verdict is held beyond its page. Nothing is claimable
 * before the commit, and the commit comes only after the gate has seen the whole audience: a refused gate, a
 * campaign no longer startable or a lost schedule roll everything back. The campaign row is locked (status
 * compare-and-set) only at the end, so a long evaluation does not hold it. The audience is read on a second
 * connection, taken before the transaction's when the pool has two free (the next page while this one is
 * evaluated, as the preview does), and the rows are written on the transaction's; with a busy pool everything
 * runs on the transaction's connection, in order (~5 s of transaction a 100,000 recipients).
 * On PGlite, whose one connection a transaction would hold for every other request, the audience is evaluated
 * outside the transaction and its rows kept as COPY data; the transaction only writes them (`queueThenWrite`).
 */
export async function startSend(options: StartSendOptions): Promise<Result<StartedSend>> {
  const { db, workspaceId, now, schedule } = options;
  if (!options.acknowledged) return { ok: false, error: acknowledgementMissing() };
  const inputs = await loadPreviewInputs(options);
  if (!inputs.ok) return inputs;
  const { campaign, sender, compiled } = inputs.value;
  if (!sender || !compiled) {
    // The gate refuses without a sender: evaluate (read only) for its full answer, as the check does.
    const preview = await previewCampaign(options);
    return preview.ok ? { ok: false, error: checkFailed(preview.value.check) } : preview;
  }
  const { dkimPrivateKeyPem: _key, ...senderWithoutKey } = sender;
  const snapshot: SendSnapshot = { campaign, sender: senderWithoutKey, links: compiled.links };
  const acknowledgedBy = schedule?.acknowledgedBy ?? `${options.actor.type}:${options.actor.id}`;
  const kind = databaseKind(db);
  const rowsOf = (page: readonly RecipientVerdict[]) => {
    const rows: QueuedRecipient[] = [];
    for (const v of page) if (v.email) rows.push({ contactId: v.contactId, email: v.email, verdict: v.answer.verdict, basis: v.answer.basis, reasons: v.answer.reasons });
    return rows;
  };
  /** Evaluates the audience on `reader`, handing each page's rows to `write` while the next page is read and evaluated. */
  const evaluate = async (reader: Db, write: (rows: QueuedRecipient[]) => Promise<void>) => {
    // At most one page's write in flight.
    let writing: Promise<void> = Promise.resolve();
    const onPage = async (page: RecipientVerdict[]) => {
      await writing;
      writing = write(rowsOf(page));
      writing.catch(() => undefined); // surfaces when awaited, never as an unhandled rejection in between
    };
    let audience;
    try {
      audience = await evaluateAudience({ db: reader, workspaceId, campaign, at: now, segments: inputs.value.segments, onPage });
    } finally {
      await writing.catch(() => undefined); // no statement of the transaction outlives it
    }
    await writing;
    return audience;
  };
  const sendRow = (id?: number) => ({ id, workspaceId, campaignId: campaign.id, acknowledgedBy, acknowledgedAt: schedule?.acknowledgedAt, acknowledgement: ANTI_SPAM_TERMS, snapshot, now });
  /** The end of every start, in its transaction once the gate has passed: the campaign moves to `sending`. */
  const commitStart = async (trx: Db, sendId: number, counts: { queued: number; blocked: number }, preview: Preview): Promise<StartedSend> => {
    // A scheduled campaign starts only through its schedule; "send now" on one is a reschedule.
    const from = schedule ? ['scheduled' as const] : ['draft' as const, 'sent' as const, 'cancelled' as const];
    if (!(await setCampaignStatus(trx, workspaceId, campaign.id, from, 'sending', now))) {
      throw new Refused(new AppError('conflict', `campaign ${campaign.id} is ${campaign.status}`, { userMessage: campaign.status === 'scheduled' ? 'This campaign is scheduled: reschedule it to send it now, or cancel the schedule.' : 'This campaign is already being sent.' }));
    }
    if (schedule && !(await markScheduleStarted(trx, { id: schedule.id, claim: schedule.claim, sendId, now }))) {
      throw new Refused(new AppError('conflict', `schedule ${schedule.id} was cancelled or moved before it started`, { userMessage: 'The scheduled send was cancelled or moved before it started.' }));
    }
    await setSendCounts(trx, sendId, counts);
    await recordAudit({ db: trx, workspaceId, actor: options.actor, action: 'campaign.send_started', target: { type: 'campaign', id: campaign.id }, ip: options.ip, at: now,
      details: { sendId, ...counts, acknowledgement: ANTI_SPAM_TERMS, acknowledgedBy, ...(schedule ? { scheduleId: schedule.id } : {}) } });
    return { sendId, ...counts, acknowledgedBy, acknowledgedAt: schedule?.acknowledgedAt ?? now, preview };
  };
  const inTransaction = async (work: (trx: Db) => Promise<StartedSend>): Promise<Result<StartedSend>> => {
    try {
      return { ok: true, value: await db.transaction().execute(work) };
    } catch (err) {
      if (err instanceof Refused) return { ok: false, error: err.error };
      throw err;
    }
  };
  /** PostgreSQL: the outbox rows are written (COPY) inside the transaction as the pages are evaluated. */
  const queueInTransaction = (reader: Db | undefined) => inTransaction(async (trx) => {
    const sendId = await insertSend(trx, sendRow());
    const counts = { queued: 0, blocked: 0 };
    const audience = await evaluate(reader ?? trx, async (rows) => {
      const c = await copyRecipients(trx, kind, workspaceId, sendId, rows, now);
      counts.queued += c.queued;
      counts.blocked += c.blocked;
    });
    const preview = finishPreview(options, inputs.value, audience);
    if (!preview.check.ok) throw new Refused(checkFailed(preview.check));
    return commitStart(trx, sendId, counts, preview);
  });
  /**
   * PGlite: one connection, which a transaction holds for everyone (a 20,000-recipient evaluation inside it kept
   * other requests waiting ~2 s). The audience is evaluated outside, statement by statement like any reader, its
   * rows kept as COPY data under a send id reserved first (a few hundred bytes a recipient); the gate runs; only
   * the writes take the transaction. A refused start writes nothing and leaves a gap in the send ids.
   */
  const queueThenWrite = async (): Promise<Result<StartedSend>> => {
    const sendId = await reserveSendId(db);
    const pages: Buffer[][] = []; // one COPY each (each is a whole binary COPY stream)
    const counts = { queued: 0, blocked: 0 };
    const audience = await evaluate(db, async (rows) => {
      pages.push(encodeRecipients(workspaceId, sendId, rows, now));
      for (const r of rows) counts[r.verdict === 'send' ? 'queued' : 'blocked'] += 1;
    });
    const preview = finishPreview(options, inputs.value, audience);
    if (!preview.check.ok) return { ok: false, error: checkFailed(preview.check) };
    return inTransaction(async (trx) => {
      await insertSend(trx, sendRow(sendId));
      for (const page of pages) await copyBinaryRows(trx, kind, 'send_recipients', RECIPIENT_COLUMNS, page);
      return commitStart(trx, sendId, counts, preview);
    });
  };
  // On PostgreSQL the audience is read on a second connection, taken before the transaction's, beside its COPY.
  const started = kind === 'pglite' ? await queueThenWrite()
    : readsBesideTransaction(db) ? await db.connection().execute((reader) => queueInTransaction(reader)) : await queueInTransaction(undefined);
  if (started.ok && started.value.queued > 0) await analyzeOutbox(db);
  return started;
}
