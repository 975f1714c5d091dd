/**
 * Use case: a person erases themselves from the "my data" page (GDPR Art. 17). The contacts module's erasure
 * does the deletion, tombstones and audit entry; this adds what only this feature holds: every sign-up of
 * that address (pending or confirmed), which carries the address, IP and user agent. One transaction.
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../audit/record-audit.js';
import { eraseContact } from '../contacts/erase-contact.js';
import { findContact } from '../contacts/contacts.repository.js';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import { deleteSignupsOf } from '../forms/forms.repository.js';

export async function eraseOwnData(options: { db: Kysely<Database>; workspaceId: string; contactId: string; actor: Actor; now: Date }): Promise<Result<{ erased: true }>> {
  const { db, workspaceId, contactId, now } = options;
  return db.transaction().execute(async (trx): Promise<Result<{ erased: true }>> => {
    const contact = await findContact(trx, workspaceId, contactId, { forUpdate: true });
    if (!contact) return { ok: false, error: new AppError('not_found', 'contact not found') };
    await deleteSignupsOf(trx, { workspaceId, contactId, email: contact.email });
    // The person's own request: no IP goes into the audit entry, which outlives their data.
    await eraseContact({ db: trx, workspaceId, id: contactId, actor: options.actor, now });
    return { ok: true, value: { erased: true } };
  });
}
