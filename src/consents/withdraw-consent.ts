/** Records the withdrawal of one consent event (once; the event itself is never changed otherwise). */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findConsentEvent, markWithdrawn, type ConsentRow } from './consents.repository.js';

export type WithdrawConsentOptions = { db: Kysely<Database>; workspaceId: string; contactId: string; consentId: string; at?: Date; actor: Actor; ip?: string | null; now: Date };

export async function withdrawConsent(options: WithdrawConsentOptions): Promise<ConsentRow> {
  const at = options.at ?? options.now;
  const run = async (trx: Kysely<Database>) => {
    const event = await findConsentEvent(trx, options.workspaceId, options.contactId, options.consentId);
    if (!event) throw new AppError('not_found', `consent ${options.consentId} not found`);
    if (event.withdrawn_at) throw new AppError('conflict', 'already withdrawn', { userMessage: 'This consent was already withdrawn.' });
    if (at.getTime() < event.at.getTime()) throw new AppError('invalid_input', 'withdrawal before consent', { details: { issues: [{ path: 'body.at', message: 'must not be before the consent' }] } });
    const row = await markWithdrawn(trx, options.workspaceId, event.id, at);
    if (!row) throw new AppError('conflict', 'already withdrawn', { userMessage: 'This consent was already withdrawn.' });
    await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'consent.withdraw', target: { type: 'contact', id: options.contactId }, ip: options.ip, details: { consentId: event.id }, at: options.now });
    return row;
  };
  return options.db.isTransaction ? run(options.db) : options.db.transaction().execute(run);
}
