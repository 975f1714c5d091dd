/** SQL for activity events (clicks, purchases, replies, sign-ups, inquiries…). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export async function insertActivity(db: Kysely<Database>, row: { workspaceId: string; contactId: string; type: string; at: Date; categories: string[]; details: Record<string, unknown> }) {
  return db.insertInto('activity_events').values({
    workspace_id: row.workspaceId, contact_id: row.contactId, type: row.type, at: row.at,
    categories: JSON.stringify(row.categories), details: JSON.stringify(row.details),
  }).returningAll().executeTakeFirstOrThrow();
}

export async function listActivity(db: Kysely<Database>, workspaceId: string, contactId: string, limit: number) {
  return db.selectFrom('activity_events').selectAll().where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId)
    .orderBy('at', 'desc').limit(limit).execute();
}
