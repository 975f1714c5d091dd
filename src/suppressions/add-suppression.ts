/**
 * Suppresses a contact (by id) or an address (by email). An address with no contact yet is kept as a
 * tombstone, so a later import or sign-up of it starts suppressed.
 */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import { normalizeContactEmail } from '../contacts/contact-values.js';
import { findContact, findContactByEmail } from '../contacts/contacts.repository.js';
import type { Database, SuppressionReason } from '../db/schema.js';
import { AppError } from '../errors.js';
import { workspaceSecret } from '../workspaces/workspaces.repository.js';
import { insertSuppression, insertTombstones, type SuppressionRow } from './suppressions.repository.js';
import { tombstoneHmac } from './tombstone-hmac.js';

export type AddSuppressionOptions = {
  db: Kysely<Database>;
  workspaceId: string;
  contactId?: string;
  email?: string;
  reason: SuppressionReason;
  channel?: string;
  scope?: 'marketing' | 'all_mail';
  at?: Date;
  source?: string;
  actor: Actor;
  ip?: string | null;
  now: Date;
};

export async function addSuppression(options: AddSuppressionOptions): Promise<{ suppression: SuppressionRow | null; tombstone: boolean }> {
  const at = options.at ?? options.now;
  const run = async (trx: Kysely<Database>) => {
    let contact = options.contactId ? await findContact(trx, options.workspaceId, options.contactId) : undefined;
    if (options.contactId && !contact) throw new AppError('not_found', `contact ${options.contactId} not found`);
    const email = options.email !== undefined ? normalizeContactEmail(options.email) : null;
    if (!contact && email) contact = await findContactByEmail(trx, options.workspaceId, email);
    if (!contact && !email) throw new AppError('invalid_input', 'contactId or email required', { details: { issues: [{ path: 'body.contactId', message: 'give a contactId or an email' }] } });
    let suppression: SuppressionRow | null = null;
    if (contact) {
      suppression = await insertSuppression(trx, {
        workspaceId: options.workspaceId, contactId: contact.id, reason: options.reason, channel: options.channel ?? 'all',
        scope: options.scope ?? 'marketing', at, source: options.source ?? 'api', createdBy: `${options.actor.type}:${options.actor.id ?? ''}`,
      });
    } else {
      await insertTombstones(trx, options.workspaceId, tombstoneHmac(await workspaceSecret(trx, options.workspaceId), email!), [{ reason: options.reason, at }]);
    }
    await recordAudit({
      db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'suppression.add',
      target: contact ? { type: 'contact', id: contact.id } : { type: 'address', id: 'tombstone' }, ip: options.ip,
      details: { reason: options.reason, suppressionId: suppression?.id ?? null }, at: options.now,
    });
    return { suppression, tombstone: !contact };
  };
  return options.db.isTransaction ? run(options.db) : options.db.transaction().execute(run);
}
