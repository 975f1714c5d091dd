/**
 * Erasure (right to be forgotten): the contact and everything about it is deleted, consent ledger included.
 * What survives is a tombstone per reason (the keyed hash of the address, the reason, the date), so the
 * address stays suppressed if it is ever imported again. Sign-ups of the address still waiting for their
 * confirmation go too, and returned mail about it keeps its figures but no longer names it.
 */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { activeSuppressions, insertTombstones } from '../suppressions/suppressions.repository.js';
import { tombstoneHmac } from '../suppressions/tombstone-hmac.js';
import { workspaceSecret } from '../workspaces/workspaces.repository.js';
import { deleteContactForErasure, findContact } from './contacts.repository.js';
import { redactReturnedMailOf } from '../bounces/intake/intake.repository.js';
import { deleteSignupsOf } from '../forms/forms.repository.js';

export type EraseContactOptions = { db: Kysely<Database>; workspaceId: string; id: string; actor: Actor; ip?: string | null; now: Date };

export async function eraseContact(options: EraseContactOptions): Promise<void> {
  const run = async (trx: Kysely<Database>) => {
    const contact = await findContact(trx, options.workspaceId, options.id, { forUpdate: true });
    if (!contact) throw new AppError('not_found', `contact ${options.id} not found`);
    if (contact.email) {
      const hmac = tombstoneHmac(await workspaceSecret(trx, options.workspaceId), contact.email);
      const kept = (await activeSuppressions(trx, options.workspaceId, contact.id)).map((s) => ({ reason: s.reason, at: s.at }));
      await insertTombstones(trx, options.workspaceId, hmac, [...kept, { reason: 'erasure', at: options.now }]);
      await redactReturnedMailOf(trx, { workspaceId: options.workspaceId, contactId: contact.id, email: contact.email });
    }
    // a confirmed sign-up goes with the contact (cascade); one still open, on any form, carries the address, IP and browser
    await deleteSignupsOf(trx, { workspaceId: options.workspaceId, contactId: contact.id, email: contact.email });
    await deleteContactForErasure(trx, options.workspaceId, contact.id);
    await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'contact.erase', target: { type: 'contact', id: contact.id }, ip: options.ip, at: options.now });
  };
  if (options.db.isTransaction) await run(options.db);
  else await options.db.transaction().execute(run);
}
