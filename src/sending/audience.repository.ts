/**
 * SQL for the audience of a send: who is on the campaign's lists. (The engine data of a batch of recipients comes
 * from `contacts.repository.ts#loadEngineDataFor`, one statement per batch.)
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Contact ids on any of the lists, each once, in id order (a keyset page of `limit` after `after`). */
export async function listAudienceIds(db: Kysely<Database>, options: { workspaceId: string; listIds: string[]; after?: string; limit: number }): Promise<string[]> {
  if (options.listIds.length === 0) return [];
  let q = db.selectFrom('list_memberships').select('contact_id').distinct()
    .where('workspace_id', '=', options.workspaceId).where('list_id', 'in', options.listIds);
  if (options.after) q = q.where('contact_id', '>', options.after);
  const rows = await q.orderBy('contact_id').limit(options.limit).execute();
  return rows.map((r) => r.contact_id);
}
