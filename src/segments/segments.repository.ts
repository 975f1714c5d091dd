/** SQL of the `segments` table, scoped by workspace (another workspace's segment is simply not found). */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Segment, SegmentInput } from './segment.js';
import type { SegmentFilter } from './segment-filter.js';
import '../sending/sending.table.js';
import './segments.table.js';

type Row = { id: string; workspace_id: string; name: string; description: string; filter: Record<string, unknown>; created_at: Date; updated_at: Date };

const toSegment = (r: Row): Segment => ({
  id: r.id, workspaceId: r.workspace_id, name: r.name, description: r.description, filter: r.filter as unknown as SegmentFilter, createdAt: r.created_at, updatedAt: r.updated_at,
});

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export async function insertSegment(db: Kysely<Database>, workspaceId: string, input: SegmentInput, now: Date): Promise<Segment> {
  const r = await db.insertInto('segments')
    .values({ workspace_id: workspaceId, name: input.name, description: input.description, filter: JSON.stringify(input.filter), created_at: now, updated_at: now })
    .returningAll().executeTakeFirstOrThrow();
  return toSegment(r as Row);
}

export async function updateSegmentRow(db: Kysely<Database>, workspaceId: string, id: string, input: SegmentInput, now: Date): Promise<Segment | undefined> {
  if (!isUuid(id)) return undefined;
  const r = await db.updateTable('segments')
    .set({ name: input.name, description: input.description, filter: JSON.stringify(input.filter), updated_at: now })
    .where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
  return r && toSegment(r as Row);
}

export async function deleteSegmentRow(db: Kysely<Database>, workspaceId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const r = await db.deleteFrom('segments').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function findSegment(db: Kysely<Database>, workspaceId: string, id: string): Promise<Segment | undefined> {
  if (!isUuid(id)) return undefined;
  const r = await db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return r && toSegment(r as Row);
}

/** The workspace's segments among `ids` (those of other workspaces, or unknown, are left out). */
export async function findSegments(db: Kysely<Database>, workspaceId: string, ids: readonly string[]): Promise<Segment[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  const rows = await db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', valid).execute();
  return rows.map((r) => toSegment(r as Row));
}

export async function listSegments(db: Kysely<Database>, workspaceId: string): Promise<Segment[]> {
  const rows = await db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').execute();
  return rows.map((r) => toSegment(r as Row));
}

/** The workspace's list ids among `ids`. */
export async function existingListIds(db: Kysely<Database>, workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return new Set();
  const rows = await db.selectFrom('lists').select('id').where('workspace_id', '=', workspaceId).where('id', 'in', valid).execute();
  return new Set(rows.map((r) => r.id));
}

/** Campaigns not yet started (draft or scheduled) whose audience names the segment. */
export async function campaignsWaitingOnSegment(db: Kysely<Database>, workspaceId: string, segmentId: string): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('campaigns').select(['id', 'name'])
    .where('workspace_id', '=', workspaceId).where('status', 'in', ['draft', 'scheduled'])
    .where(sql<boolean>`definition -> 'segmentIds' @> jsonb_build_array(${segmentId}::text)`)
    .orderBy('created_at').execute();
}
