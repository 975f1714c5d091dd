/**
 * Appends a consent event to the ledger. `origin: 'person'` is for the person's own action through our public
 * pages (a confirmed double opt-in): only then may it lift an unsubscribe. Staff and API tokens record
 * consents (`origin: 'staff'`), which never lift a suppression.
 */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import { findContact } from '../contacts/contacts.repository.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { suppressionsLiftedBy } from '../suppressions/suppression-rules.js';
import { activeSuppressions, liftSuppressions } from '../suppressions/suppressions.repository.js';
import type { ConsentCreate } from './consent-schemas.js';
import { insertConsentEvent, type ConsentRow } from './consents.repository.js';

export type AppendConsentEventOptions = {
  db: Kysely<Database>;
  workspaceId: string;
  contactId: string;
  input: ConsentCreate;
  origin: 'person' | 'staff';
  actor: Actor;
  ip?: string | null;
  now: Date;
};

export async function appendConsentEvent(options: AppendConsentEventOptions): Promise<{ event: ConsentRow; liftedSuppressions: string[] }> {
  const { input } = options;
  if (Date.parse(input.at) > options.now.getTime() + 5 * 60_000) {
    throw new AppError('invalid_input', 'consent in the future', { details: { issues: [{ path: 'body.at', message: 'must not be in the future' }] } });
  }
  const run = async (trx: Kysely<Database>) => {
    const contact = await findContact(trx, options.workspaceId, options.contactId, { forUpdate: true });
    if (!contact) throw new AppError('not_found', `contact ${options.contactId} not found`);
    const event = await insertConsentEvent(trx, {
      workspaceId: options.workspaceId, contactId: contact.id, channel: input.channel, method: input.method,
      at: new Date(input.at), confirmedAt: input.confirmedAt ? new Date(input.confirmedAt) : null, withdrawnAt: null,
      evidence: input.evidence ?? {}, categories: input.categories ?? [], recordedBy: `${options.actor.type}:${options.actor.id ?? ''}`,
    });
    let lifted: string[] = [];
    if (options.origin === 'person') {
      const active = await activeSuppressions(trx, options.workspaceId, contact.id);
      lifted = suppressionsLiftedBy({ method: event.method, at: event.at, confirmedAt: event.confirmed_at, channel: event.channel }, active);
      await liftSuppressions(trx, { workspaceId: options.workspaceId, ids: lifted, at: options.now, consentId: event.id });
    }
    await recordAudit({
      db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'consent.append', target: { type: 'contact', id: contact.id }, ip: options.ip,
      details: { consentId: event.id, channel: event.channel, method: event.method, origin: options.origin, liftedSuppressions: lifted }, at: options.now,
    });
    return { event, liftedSuppressions: lifted };
  };
  return options.db.isTransaction ? run(options.db) : options.db.transaction().execute(run);
}
