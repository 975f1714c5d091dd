/** SQL for suppressions and tombstones, scoped by workspace. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, SuppressionReason, SuppressionsTable } from '../db/schema.js';

export type SuppressionRow = Selectable<SuppressionsTable>;

export async function insertSuppression(db: Kysely<Database>, row: {
  workspaceId: string; contactId: string; reason: SuppressionReason; channel: string; scope: 'marketing' | 'all_mail'; at: Date; source: string | null; createdBy: string | null;
}): Promise<SuppressionRow> {
  return db.insertInto('suppressions').values({
    workspace_id: row.workspaceId, contact_id: row.contactId, reason: row.reason, channel: row.channel, scope: row.scope,
    at: row.at, source: row.source, created_by: row.createdBy,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function activeSuppressions(db: Kysely<Database>, workspaceId: string, contactId: string): Promise<SuppressionRow[]> {
  return db.selectFrom('suppressions').selectAll().where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId)
    .where('lifted_at', 'is', null).orderBy('at').execute();
}

export async function findSuppression(db: Kysely<Database>, workspaceId: string, id: string): Promise<SuppressionRow | undefined> {
  return db.selectFrom('suppressions').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/** A page of suppressions, each with its contact's address (the one thing staff look them up by). */
export async function listSuppressions(db: Kysely<Database>, options: { workspaceId: string; contactId?: string; reason?: string; includeLifted?: boolean; after?: string; limit: number }) {
  // the contact of the same workspace only, as every read here
  let q = db.selectFrom('suppressions')
    .leftJoin('contacts', (j) => j.onRef('contacts.id', '=', 'suppressions.contact_id').onRef('contacts.workspace_id', '=', 'suppressions.workspace_id'))
    .selectAll('suppressions').select('contacts.email').where('suppressions.workspace_id', '=', options.workspaceId);
  if (options.contactId) q = q.where('suppressions.contact_id', '=', options.contactId);
  if (options.reason) q = q.where('suppressions.reason', '=', options.reason as SuppressionReason);
  if (!options.includeLifted) q = q.where('suppressions.lifted_at', 'is', null);
  if (options.after) q = q.where('suppressions.id', '>', options.after);
  return q.orderBy('suppressions.id').limit(options.limit).execute();
}

export async function liftSuppressions(db: Kysely<Database>, options: { workspaceId: string; ids: string[]; at: Date; consentId: string | null }): Promise<void> {
  if (options.ids.length === 0) return;
  await db.updateTable('suppressions').set({ lifted_at: options.at, lifted_by_consent_id: options.consentId })
    .where('workspace_id', '=', options.workspaceId).where('id', 'in', options.ids).where('lifted_at', 'is', null).execute();
}

export async function insertTombstones(db: Kysely<Database>, workspaceId: string, hmac: string, entries: { reason: string; at: Date }[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insertInto('tombstones').values(entries.map((e) => ({ workspace_id: workspaceId, hmac, reason: e.reason, at: e.at })))
    .onConflict((oc) => oc.columns(['workspace_id', 'hmac', 'reason']).doNothing()).execute();
}

export async function findTombstones(db: Kysely<Database>, workspaceId: string, hmac: string) {
  return db.selectFrom('tombstones').select(['reason', 'at']).where('workspace_id', '=', workspaceId).where('hmac', '=', hmac).orderBy('at').execute();
}
