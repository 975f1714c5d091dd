/**
 * Use case: a person erases themselves from the "my data" page (GDPR Art. 17). The contacts module's erasure
 * does all of it (the contact, its sign-ups open or confirmed, tombstones, returned mail, audit entry), as for
 * staff; this answers "not found" as a value and keeps the person's IP out of the audit entry. One transaction.
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../audit/record-audit.js';
import { eraseContact } from '../contacts/erase-contact.js';
import { findContact } from '../contacts/contacts.repository.js';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';

export async function eraseOwnData(options: { db: Kysely<Database>; workspaceId: string; contactId: string; actor: Actor; now: Date }): Promise<Result<{ erased: true }>> {
  const { db, workspaceId, contactId, now } = options;
  return db.transaction().execute(async (trx): Promise<Result<{ erased: true }>> => {
    const contact = await findContact(trx, workspaceId, contactId, { forUpdate: true });
    if (!contact) return { ok: false, error: new AppError('not_found', 'contact not found') };
    // The person's own request: no IP goes into the audit entry, which outlives their data.
    await eraseContact({ db: trx, workspaceId, id: contactId, actor: options.actor, now });
    return { ok: true, value: { erased: true } };
  });
}
