/**
 * Use case: erase a person (GDPR Art. 17), by their own request from the "my data" page or by an operator.
 * One transaction: delete the contact and its whole trail, keep a tombstone (keyed hash of the address,
 * reason, date) that blocks re-import and marketing until a new double opt-in, and write an audit entry that
 * names no personal data.
 */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import { normalizeEmail } from '../engine/address.js';
import { allowLedgerErasure, deleteContactAndTrail, findContactForErasure, insertTombstone } from './erasure.repository.js';
import { tombstoneHmac } from './tombstone.js';

export async function eraseContact(options: {
  db: Kysely<Database>;
  workspaceId: string;
  contactId: string;
  /** `erasure_request` from the person; an operator may give another reason. */
  reason: string;
  actor: Actor;
  now: Date;
}): Promise<Result<{ tombstoned: boolean }>> {
  const { db, workspaceId, contactId, now } = options;
  return db.transaction().execute(async (trx): Promise<Result<{ tombstoned: boolean }>> => {
    const contact = await findContactForErasure(trx, workspaceId, contactId);
    if (!contact) return { ok: false, error: new AppError('not_found', 'contact not found') };
    await allowLedgerErasure(trx);
    const normalized = contact.email ? normalizeEmail(contact.email) : undefined;
    const hmac = contact.email ? tombstoneHmac({ workspaceSecret: contact.secret, email: contact.email }) : undefined;
    await deleteContactAndTrail(trx, { workspaceId, contactId, emailKey: normalized?.ok ? normalized.address.toLowerCase() : null });
    if (hmac) await insertTombstone(trx, { workspaceId, hmac, reason: 'erasure', at: now });
    await recordAudit({
      db: trx, workspaceId, actor: options.actor, action: 'contact.erased', target: { type: 'contact', id: contactId },
      details: { reason: options.reason, tombstoned: hmac !== undefined }, at: now,
    });
    return { ok: true, value: { tombstoned: hmac !== undefined } };
  });
}
