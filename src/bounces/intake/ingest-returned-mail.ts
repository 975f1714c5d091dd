/**
 * Intake, the one door for returned mail: raw mail (inbound SMTP, upload, CLI), a provider's notification
 * (SES, SendGrid, Mailgun, Postmark) or a refusal during sending → parse → match → act → record, in one
 * transaction. The message's identity is stored uniquely, so the same mail ingested twice acts once.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { decideAction, type BounceAction } from '../actions.js';
import { parseReturnedMail } from '../parse.js';
import type { RecipientReport, Report } from '../types.js';
import type { ProviderEvent } from '../webhooks/ses.js';
import { recordAudit } from '../../audit/record-audit.js';
import { applyBounceAction, type ActionEffect, type NewSuppression } from './apply-bounce-action.js';
import { deleteReturnedMail, finishReturnedMail, findReturnedMailByIdentity, insertBounceActions, insertReturnedMail, type SentRecipient } from './intake.repository.js';
import type { IntakeOutcome } from './intake.table.js';
import { matchRecipient, matchVerp, type Match } from './match-recipient.js';
import { tripCircuitBreaker, type Trip } from './trip-circuit-breaker.js';
import { asUnsubscribeRequest } from './unsubscribe-request.js';

export type IntakeSource = 'smtp' | 'upload' | 'cli' | 'ses' | 'sendgrid' | 'mailgun' | 'postmark' | 'sending';

/** Returned mail larger than this is kept as unreadable rather than parsed (real reports are far smaller). */
export const MAX_RETURNED_MAIL_BYTES = 25 * 1024 * 1024;

export type IngestOptions = {
  db: Kysely<Database>;
  /** The platform secret that signs VERP addresses. */
  secret: string;
  now: Date;
  source: IntakeSource;
  /** The returned message's bytes. */
  raw?: Buffer | string;
  /** Or a provider's notification, already read (webhooks), with its `identity`. */
  event?: ProviderEvent;
  /** Stable id of the message or event; default: SHA-256 of the raw bytes (line endings normalised). */
  identity?: string;
  /** The SMTP envelope recipients (our VERP addresses) when the mail came in over SMTP. */
  envelopeRecipients?: string[];
  /** An upload through the API: only this workspace's sends may match, and the record belongs to it. */
  workspaceId?: string;
  /** The sending hook already knows whom the refusal is about. */
  sent?: SentRecipient;
};

export type RecipientOutcome = {
  address: string; reason: string; status: string; hard: boolean;
  match: { method: string; sendId: number; contactId: string } | { unmatched: string };
  action?: BounceAction; effect?: ActionEffect;
};

export type IngestResult = {
  id: number; duplicate: boolean; kind: Report['kind']; outcome: IntakeOutcome; workspaceId: string | null;
  recipients: RecipientOutcome[]; trips: Trip[]; error?: string;
};

/** Identity of raw mail: its bytes, with line endings normalised so an mbox copy and the SMTP copy agree. */
export function rawIdentity(raw: Buffer | string): string {
  const text = (typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw).toString('latin1').replace(/\r\n?/g, '\n').replace(/\s+$/, '');
  return `sha256:${createHash('sha256').update(text, 'latin1').digest('hex')}`;
}

async function readReport(options: IngestOptions): Promise<Report> {
  if (options.event) return { ...options.event };
  const raw = options.raw ?? '';
  if (raw.length > MAX_RETURNED_MAIL_BYTES) return { kind: 'unreadable', recipients: [], original: {}, error: `message larger than ${MAX_RETURNED_MAIL_BYTES} bytes` };
  return parseReturnedMail(raw);
}

/** Ingests one returned message or event. Never throws on bad input (an unreadable one is kept as such). */
export async function ingestReturnedMail(options: IngestOptions): Promise<IngestResult> {
  // An upload is scoped to its workspace, so another tenant's copy of the same mail neither blocks nor reveals it.
  const base = options.identity ?? rawIdentity(options.raw ?? '');
  const identity = options.workspaceId ? `ws:${options.workspaceId}:${base}` : base;
  const read = await readReport(options);
  // a recipient who used the List-Unsubscribe mailto wrote to our return path: that is an opt-out, not mere mail
  const report = options.raw === undefined ? read : asUnsubscribeRequest({ report: read, raw: options.raw, envelopeRecipients: options.envelopeRecipients, secret: options.secret });
  const size = options.raw ? options.raw.length : 0;
  // The same mail through the other door (uploaded by its workspace, and received for the platform by the inbound
  // receiver or the CLI) is still one mail: it acted once already, so a soft bounce is not counted twice.
  const rawMail = options.identity === undefined;
  const mailIdentity = base;
  return options.db.transaction().execute(async (trx) => {
    if (rawMail && options.workspaceId) {
      const received = await findReturnedMailByIdentity(trx, mailIdentity);
      if (received && received.workspace_id === options.workspaceId) return duplicateOf(trx, mailIdentity, report);
    }
    const id = await insertReturnedMail(trx, { workspaceId: options.workspaceId ?? null, source: options.source, identity, kind: report.kind, report, size, at: options.now });
    if (id === undefined) return duplicateOf(trx, identity, report);
    const verp = options.sent ?? await matchVerp({ db: trx, addresses: [...(options.envelopeRecipients ?? []), report.original.returnPath], secret: options.secret });
    const recipients: RecipientOutcome[] = [];
    const actions: Parameters<typeof insertBounceActions>[1] = [];
    const sendsToCheck = new Set<number>();
    const suppressions: NewSuppression[] = [];
    let workspaceId = options.workspaceId ?? null;
    for (const r of report.recipients) {
      const match: Match = options.sent
        ? (options.workspaceId && options.sent.workspaceId !== options.workspaceId ? { matched: false, why: 'unknown_send' } : { matched: true, method: 'smtp', sent: options.sent })
        : await matchRecipient({ db: trx, recipient: r, original: report.original, verp, workspaceId: options.workspaceId });
      const base = { address: r.address, reason: r.reason, status: r.status, hard: r.hard };
      if (!match.matched) {
        recipients.push({ ...base, match: { unmatched: match.why }, action: decideAction(r) });
        continue;
      }
      const { sent } = match;
      if (rawMail && workspaceId === null) {
        // received for the platform: the first match names the workspace, which may have uploaded this mail
        const uploaded = `ws:${sent.workspaceId}:${mailIdentity}`;
        if (await findReturnedMailByIdentity(trx, uploaded)) {
          await deleteReturnedMail(trx, id);
          return duplicateOf(trx, uploaded, report);
        }
      }
      workspaceId ??= sent.workspaceId;
      const { action, effect, suppression } = await applyBounceAction({ trx, recipient: r, sent, source: options.source, returnedMailId: id, now: options.now });
      if (suppression) suppressions.push(suppression);
      recipients.push({ ...base, match: { method: match.method, sendId: sent.sendId, contactId: sent.contactId }, action, effect });
      actions.push(actionRow(id, sent, r, action, effect, options.now));
      if (action === 'suppress_hard' || action === 'complaint') sendsToCheck.add(sent.sendId);
    }
    await insertBounceActions(trx, actions);
    const trips: Trip[] = [];
    for (const sendId of sendsToCheck) {
      const trip = await tripCircuitBreaker({ db: trx, sendId, now: options.now });
      if (trip) trips.push(trip);
    }
    const outcome = outcomeOf(report, recipients);
    await finishReturnedMail(trx, id, { workspaceId, matches: recipients, outcome });
    // Last, because the audit chain's lock is held until commit and serialises every writer of the log.
    for (const x of suppressions) {
      await recordAudit({
        db: trx, workspaceId: x.workspaceId, actor: { type: 'system', id: 'bounces' }, action: 'suppression.add', target: { type: 'contact', id: x.contactId },
        details: { reason: x.reason, suppressionId: x.id, returnedMailId: id, source: options.source }, at: options.now,
      });
    }
    return { id, duplicate: false, kind: report.kind, outcome, workspaceId, recipients, trips, ...(report.error ? { error: report.error } : {}) };
  });
}

function actionRow(returnedMailId: number, sent: SentRecipient, r: RecipientReport, action: BounceAction, effect: ActionEffect, at: Date) {
  return {
    returnedMailId, workspaceId: sent.workspaceId, sendId: sent.sendId, contactId: sent.contactId, address: r.address,
    action, effect, reason: r.reason, status: r.status, diagnostic: r.diagnostic, at,
  };
}

function outcomeOf(report: Report, recipients: RecipientOutcome[]): IntakeOutcome {
  if (report.kind === 'unreadable') return 'unreadable';
  if (recipients.length === 0 || report.kind === 'not_bounce') return 'ignored';
  return recipients.some((r) => 'method' in r.match) ? 'acted' : 'unmatched';
}

/** The same message again: nothing is done; the stored outcome is returned. */
async function duplicateOf(trx: Kysely<Database>, identity: string, report: Report): Promise<IngestResult> {
  const stored = await findReturnedMailByIdentity(trx, identity);
  return {
    id: Number(stored?.id ?? 0), duplicate: true, kind: (stored?.kind ?? report.kind) as Report['kind'], outcome: stored?.outcome ?? 'ignored',
    workspaceId: stored?.workspace_id ?? null, recipients: (stored?.matches ?? []) as RecipientOutcome[], trips: [],
  };
}
