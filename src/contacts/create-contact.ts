/**
 * Creates a contact. If the address was suppressed or erased before (a tombstone under this workspace's
 * secret), the suppressions come back with it: deleting and re-adding never makes an address mailable.
 */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database, SuppressionReason } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findTombstones, insertSuppression } from '../suppressions/suppressions.repository.js';
import { tombstoneHmac } from '../suppressions/tombstone-hmac.js';
import { workspaceSecret } from '../workspaces/workspaces.repository.js';
import type { ContactCreate } from './contact-schemas.js';
import { isUniqueViolation, toContactValues } from './contact-values.js';
import { findContactByEmail, insertContact, type ContactRow } from './contacts.repository.js';

export type CreateContactOptions = {
  db: Kysely<Database>;
  workspaceId: string;
  input: ContactCreate;
  actor: Actor;
  ip?: string | null;
  now: Date;
};

const reasons = new Set<string>(['unsubscribe', 'objection', 'complaint', 'erasure', 'hard_bounce', 'manual']);

export async function createContact(options: CreateContactOptions): Promise<ContactRow> {
  const values = toContactValues(options.input);
  const run = async (trx: Kysely<Database>) => {
    if (values.email && (await findContactByEmail(trx, options.workspaceId, values.email))) {
      throw new AppError('conflict', 'a contact with this email exists', { userMessage: 'A contact with this email address already exists.' });
    }
    const row = await insertContact(trx, options.workspaceId, values, options.now);
    if (values.email) {
      const hmac = tombstoneHmac(await workspaceSecret(trx, options.workspaceId), values.email);
      for (const t of await findTombstones(trx, options.workspaceId, hmac)) {
        if (!reasons.has(t.reason)) continue;
        await insertSuppression(trx, {
          workspaceId: options.workspaceId, contactId: row.id, reason: t.reason as SuppressionReason, channel: 'all',
          scope: t.reason === 'erasure' || t.reason === 'complaint' ? 'all_mail' : 'marketing', at: t.at, source: 'tombstone', createdBy: null,
        });
      }
    }
    // field names only: the audit log is append-only and must not keep personal data past an erasure
    await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'contact.create', target: { type: 'contact', id: row.id }, ip: options.ip, details: { fields: Object.keys(options.input) }, at: options.now });
    return row;
  };
  try {
    return options.db.isTransaction ? await run(options.db) : await options.db.transaction().execute(run);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'a contact with this email exists', { userMessage: 'A contact with this email address already exists.' });
    throw err;
  }
}
