/**
 * SQL for the audience of a send: who is on the campaign's lists or in its segments. (The engine data of a batch
 * of recipients comes from `contacts.repository.ts#loadEngineDataFor`, one statement per batch.)
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { segmentExpression, withoutJit } from '../segments/segment-members.repository.js';
import type { SegmentFilter } from '../segments/segment-filter.js';

/** Contact ids on any of the lists, each once, in id order (a keyset page of `limit` after `after`). */
export async function listAudienceIds(db: Kysely<Database>, options: { workspaceId: string; listIds: string[]; after?: string; limit: number }): Promise<string[]> {
  if (options.listIds.length === 0) return [];
  let q = db.selectFrom('list_memberships').select('contact_id').distinct()
    .where('workspace_id', '=', options.workspaceId).where('list_id', 'in', options.listIds);
  if (options.after) q = q.where('contact_id', '>', options.after);
  const rows = await q.orderBy('contact_id').limit(options.limit).execute();
  return rows.map((r) => r.contact_id);
}

/**
 * The union of the lists and the segments' filters: each contact once, in id order, a keyset page at a time.
 * Without segments this is `listAudienceIds` (the membership index alone); with them, one walk over the
 * workspace's contacts in id order (`contacts_workspace_id`) that keeps those on a list or matching a filter.
 */
export async function listCampaignAudienceIds(db: Kysely<Database>, options: { workspaceId: string; listIds: string[]; segments: SegmentFilter[]; after?: string; limit: number }): Promise<string[]> {
  if (options.segments.length === 0) return listAudienceIds(db, options);
  const { workspaceId, listIds, segments } = options;
  const rows = await withoutJit(db, (trx) => {
    let q = trx.selectFrom('contacts').select('contacts.id').where('contacts.workspace_id', '=', workspaceId)
      .where((eb) => eb.or([
        ...(listIds.length > 0 ? [eb('contacts.id', 'in', eb.selectFrom('list_memberships').select('list_memberships.contact_id')
          .where('list_memberships.workspace_id', '=', workspaceId).where('list_memberships.list_id', 'in', listIds))] : []),
        ...segments.map((f) => segmentExpression(eb, f)),
      ]));
    if (options.after) q = q.where('contacts.id', '>', options.after);
    return q.orderBy('contacts.id').limit(options.limit).execute();
  });
  return rows.map((r) => r.id);
}
