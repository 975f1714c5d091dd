/**
 * Use case: sends the double opt-in mails that are due. Claims rows first (committed), then talks SMTP, then
 * records the outcome: no transaction is held across the network. Run by the sign-up route right after a
 * submission and by a periodic job that picks up failures.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { isLanguage } from '../i18n/language.js';
import { format, messagesFor } from '../i18n/messages.js';
import { loadMailIdentity, senderNameOf, type MailIdentity } from '../mail/mail-identity.js';
import type { MailSender } from '../mail/mail-sender.js';
import { confirmUrl } from '../public/links.js';
import { claimDueConfirmations, findFormById, findLists, markConfirmationMails } from './forms.repository.js';

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
  // Once per round: the workspace's identity (its sender profile, the DKIM key parsed) and each form's name
  const identities = new Map<string, Promise<{ workspaceName: string; identity?: MailIdentity }>>();
  const formNames = new Map<string, Promise<string>>();
  const once = <T>(memo: Map<string, Promise<T>>, key: string, load: () => Promise<T>) => {
    if (!memo.has(key)) memo.set(key, load());
    return memo.get(key)!;
  };
  // A few at a time: the SMTP pool has several connections, and one slow answer must not hold the rest.
  const sendOne = async (row: (typeof rows)[number]) => {
    const lang = isLanguage(row.language) ? row.language : 'en';
    const t = messagesFor(lang);
    // The link lives exactly as long as the pending sign-up.
    const url = confirmUrl({ baseUrl, secret, workspaceId: row.workspace_id, signupId: row.id, now, lifetimeMs: row.expires_at.getTime() - now.getTime(), lang });
    // From the workspace (its company, on its sending domain, DKIM-signed), and the text says who, which form, which lists
    const who = await once(identities, row.workspace_id, () => loadMailIdentity({ db, workspaceId: row.workspace_id }));
    const form = await once(formNames, row.form_id, async () => (await findFormById(db, row.workspace_id, row.form_id))?.name ?? '');
    const lists = (await findLists(db, row.workspace_id, row.list_ids)).map((l) => l.name).sort().join(', ');
    const names = { sender: senderNameOf(who), form, lists };
    const result = await mailSender.send({
      to: row.email,
      subject: format(t['mail.confirm.subject'], names),
      text: format(t['mail.confirm.body'], { ...names, url }),
      headers: { 'X-Listwarden-Kind': 'double-opt-in' },
      ...(who.identity ? { sender: who.identity } : {}),
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
