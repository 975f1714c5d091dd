/**
 * Use case: a person asks for a link to their data by typing their address. The answer never says whether
 * the address is known; a link is mailed only when it is. The caller answers first and lets this run after,
 * so the response time does not tell either.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { normalizeEmail } from '../engine/address.js';
import type { Language } from '../i18n/language.js';
import { format, messagesFor } from '../i18n/messages.js';
import { loadMailIdentity, senderNameOf } from '../mail/mail-identity.js';
import type { MailSender } from '../mail/mail-sender.js';
import { myDataUrl } from './links.js';
import { findContactByEmail } from '../contacts/contacts.repository.js';

export async function requestAccessLink(options: {
  db: Kysely<Database>;
  mailSender: MailSender;
  workspaceId: string;
  email: string;
  language: Language;
  baseUrl: string;
  secret: string;
  now: Date;
}): Promise<{ mailed: boolean }> {
  const n = normalizeEmail(options.email);
  if (!n.ok) return { mailed: false };
  const contact = await findContactByEmail(options.db, options.workspaceId, n.address);
  if (!contact || !contact.email) return { mailed: false };
  const t = messagesFor(options.language);
  const url = myDataUrl({ baseUrl: options.baseUrl, secret: options.secret, workspaceId: options.workspaceId, contactId: contact.id, now: options.now, lang: options.language });
  // from the workspace that holds the data, named in the text (src/mail/mail-identity.ts)
  const who = await loadMailIdentity({ db: options.db, workspaceId: options.workspaceId });
  const sender = senderNameOf(who);
  const r = await options.mailSender.send({
    to: contact.email, subject: format(t['mail.access.subject'], { sender }), text: format(t['mail.access.body'], { sender, url }),
    headers: { 'X-Listwarden-Kind': 'access-link' }, ...(who.identity ? { sender: who.identity } : {}),
  });
  return { mailed: r.ok };
}
