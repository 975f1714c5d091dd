/** SQL of the consent ledger. Append and record a withdrawal; nothing else (a trigger enforces it too). */
import type { Kysely, Selectable } from 'kysely';
import type { ConsentEventsTable, Database } from '../db/schema.js';

export type ConsentRow = Selectable<ConsentEventsTable>;

export async function insertConsentEvent(db: Kysely<Database>, row: {
  workspaceId: string; contactId: string; channel: ConsentRow['channel']; method: string; at: Date; confirmedAt: Date | null;
  withdrawnAt: Date | null; evidence: Record<string, unknown>; categories: string[]; recordedBy: string | null;
}): Promise<ConsentRow> {
  return db.insertInto('consent_events').values({
    workspace_id: row.workspaceId, contact_id: row.contactId, channel: row.channel, method: row.method, at: row.at,
    confirmed_at: row.confirmedAt, withdrawn_at: row.withdrawnAt, evidence: JSON.stringify(row.evidence),
    categories: JSON.stringify(row.categories), recorded_by: row.recordedBy,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function listConsentEvents(db: Kysely<Database>, workspaceId: string, contactId: string): Promise<ConsentRow[]> {
  return db.selectFrom('consent_events').selectAll().where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId)
    .orderBy('at').orderBy('id').execute();
}

export async function findConsentEvent(db: Kysely<Database>, workspaceId: string, contactId: string, id: string): Promise<ConsentRow | undefined> {
  return db.selectFrom('consent_events').selectAll().where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId)
    .where('id', '=', id).executeTakeFirst();
}

/** Records a withdrawal once; returns undefined when the event was already withdrawn. */
export async function markWithdrawn(db: Kysely<Database>, workspaceId: string, id: string, at: Date): Promise<ConsentRow | undefined> {
  return db.updateTable('consent_events').set({ withdrawn_at: at }).where('workspace_id', '=', workspaceId).where('id', '=', id)
    .where('withdrawn_at', 'is', null).returningAll().executeTakeFirst();
}
