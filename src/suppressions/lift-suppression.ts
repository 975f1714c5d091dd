/**
 * Lifts a staff-made (`manual`) suppression. Every other reason is the person's or the mail system's word
 * and is refused with `protection`: only the person's own new double opt-in lifts an unsubscribe.
 */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { liftableByStaff } from './suppression-rules.js';
import { findSuppression, liftSuppressions } from './suppressions.repository.js';

export type LiftSuppressionOptions = { db: Kysely<Database>; workspaceId: string; id: string; actor: Actor; ip?: string | null; now: Date };

export async function liftSuppression(options: LiftSuppressionOptions): Promise<void> {
  const run = async (trx: Kysely<Database>) => {
    const s = await findSuppression(trx, options.workspaceId, options.id);
    if (!s) throw new AppError('not_found', `suppression ${options.id} not found`);
    if (!liftableByStaff.has(s.reason)) {
      throw new AppError('protection', `a ${s.reason} suppression cannot be lifted by staff`, {
        userMessage: s.reason === 'unsubscribe' || s.reason === 'objection' || s.reason === 'erasure'
          ? 'Only the person can lift this, by signing up again and confirming.'
          : `A ${s.reason.replace('_', ' ')} suppression is permanent.`,
      });
    }
    if (s.lifted_at) return;
    await liftSuppressions(trx, { workspaceId: options.workspaceId, ids: [s.id], at: options.now, consentId: null });
    await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'suppression.lift', target: { type: 'contact', id: s.contact_id }, ip: options.ip, details: { suppressionId: s.id }, at: options.now });
  };
  if (options.db.isTransaction) await run(options.db);
  else await options.db.transaction().execute(run);
}
