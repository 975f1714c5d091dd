/**
 * Use case: sends the double opt-in mails that are due. Claims rows first (committed), then talks SMTP, then
 * records the outcome: no transaction is held across the network. Run by the sign-up route right after a
 * submission and by a periodic job that picks up failures.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { isLanguage } from '../i18n/language.js';
import { format, messagesFor } from '../i18n/messages.js';
import type { MailSender } from '../mail/mail-sender.js';
import { confirmUrl } from '../public/links.js';
import { claimDueConfirmations, markConfirmationMails } from './forms.repository.js';

export const MAX_CONFIRMATION_ATTEMPTS = 5;

export async function sendDueConfirmations(options: {
  db: Kysely<Database>;
  mailSender: MailSender;
  secret: string;
  baseUrl: string;
  now: Date;
  limit?: number;
  /** Mails in flight at once (default 4). */
  concurrency?: number;
}): Promise<{ sent: number; failed: number }> {
  const { db, mailSender, secret, baseUrl, now } = options;
  const rows = await claimDueConfirmations(db, {
    limit: options.limit ?? 50, now, staleBefore: new Date(now.getTime() - 5 * 60_000), retryBefore: new Date(now.getTime() - 60_000), maxAttempts: MAX_CONFIRMATION_ATTEMPTS,
  });
  const sentIds: string[] = [];
  const failedIds: string[] = [];
  // A few at a time: the SMTP pool has several connections, and one slow answer must not hold the rest.
  const sendOne = async (row: (typeof rows)[number]) => {
    const lang = isLanguage(row.language) ? row.language : 'en';
    const t = messagesFor(lang);
    // The link lives exactly as long as the pending sign-up.
    const url = confirmUrl({ baseUrl, secret, workspaceId: row.workspace_id, signupId: row.id, now, lifetimeMs: row.expires_at.getTime() - now.getTime(), lang });
    const result = await mailSender.send({
      to: row.email,
      subject: t['mail.confirm.subject'],
      text: format(t['mail.confirm.body'], { url }),
      headers: { 'X-Listwarden-Kind': 'double-opt-in' },
    });
    (result.ok ? sentIds : failedIds).push(row.id);
  };
  const concurrency = options.concurrency ?? 4;
  for (let i = 0; i < rows.length; i += concurrency) await Promise.all(rows.slice(i, i + concurrency).map(sendOne));
  // One update per outcome, not per mail: this runs right behind every sign-up.
  await markConfirmationMails(db, sentIds, 'sent', now);
  await markConfirmationMails(db, failedIds, 'failed', now);
  return { sent: sentIds.length, failed: failedIds.length };
}
