/**
 * Updates a contact's fields (a merge: absent fields stay). Suppressions, consents and bounces are not
 * fields and cannot be touched here; an address that takes an erased or suppressed address gets its tombstones.
 */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database, SuppressionReason } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findTombstones, insertSuppression } from '../suppressions/suppressions.repository.js';
import { tombstoneHmac } from '../suppressions/tombstone-hmac.js';
import { workspaceSecret } from '../workspaces/workspaces.repository.js';
import type { ContactUpdate } from './contact-schemas.js';
import { canonicalCountry, isUniqueViolation, normalizeContactEmail } from './contact-values.js';
import { findContact, findContactByEmail, updateContactRow, type ContactRow, type ContactValues } from './contacts.repository.js';

export type UpdateContactOptions = { db: Kysely<Database>; workspaceId: string; id: string; input: ContactUpdate; actor: Actor; ip?: string | null; now: Date };

export async function updateContact(options: UpdateContactOptions): Promise<ContactRow> {
  const { input } = options;
  const run = async (trx: Kysely<Database>) => {
    const current = await findContact(trx, options.workspaceId, options.id, { forUpdate: true });
    if (!current) throw new AppError('not_found', `contact ${options.id} not found`);
    const email = input.email !== undefined ? normalizeContactEmail(input.email) : current.email;
    if (email === null && (input.phone === null || (input.phone === undefined && !current.phone))) {
      throw new AppError('invalid_input', 'an email or a phone number is required', { details: { issues: [{ path: 'body.email', message: 'an email or a phone number is required' }] } });
    }
    const emailChanged = email !== null && email.toLowerCase() !== (current.email ?? '').toLowerCase();
    if (emailChanged) {
      const other = await findContactByEmail(trx, options.workspaceId, email);
      if (other && other.id !== current.id) throw new AppError('conflict', 'email taken', { userMessage: 'Another contact has this email address.' });
    }
    const source = input.source;
    const details = source ? (({ type: _t, at: _a, collectedBy: _c, evidence: _e, ...rest }) => rest)(source) : current.source_details;
    const values: ContactValues = {
      email,
      phone: input.phone !== undefined ? input.phone : current.phone,
      country: input.country ? canonicalCountry(input.country) : current.country,
      kind: input.kind ?? current.kind,
      birthDate: input.birthDate !== undefined ? input.birthDate : current.birth_date,
      customFields: input.customFields ? { ...current.custom_fields, ...input.customFields } : current.custom_fields,
      sourceType: source?.type ?? current.source_type,
      sourceAt: source ? (source.at ? new Date(source.at) : null) : current.source_at,
      collectedBy: source ? (source.collectedBy ?? 'us') : current.collected_by,
      sourceEvidence: source ? (source.evidence ?? []) : (current.source_evidence as string[]),
      sourceDetails: details,
      registries: input.registries ?? (current.registries as string[]),
    };
    const row = (await updateContactRow(trx, options.workspaceId, options.id, values, options.now))!;
    if (emailChanged) {
      const hmac = tombstoneHmac(await workspaceSecret(trx, options.workspaceId), email);
      for (const t of await findTombstones(trx, options.workspaceId, hmac)) {
        await insertSuppression(trx, { workspaceId: options.workspaceId, contactId: row.id, reason: t.reason as SuppressionReason, channel: 'all', scope: 'marketing', at: t.at, source: 'tombstone', createdBy: null });
      }
    }
    await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'contact.update', target: { type: 'contact', id: row.id }, ip: options.ip, details: { fields: Object.keys(input) }, at: options.now });
    return row;
  };
  try {
    return options.db.isTransaction ? await run(options.db) : await options.db.transaction().execute(run);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'email taken', { userMessage: 'Another contact has this email address.' });
    throw err;
  }
}
