/**
 * Who is in a segment now: the count and a page of members. Reads only. A member is not someone who may be
 * mailed: the campaign check runs the engine on each of them.
 */
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import { checkSegmentFilter } from './check-segment-input.js';
import type { SegmentFilter } from './segment-filter.js';
import { countSegmentMembers, listSegmentMembers, type SegmentMember } from './segment-members.repository.js';
import { findSegment } from './segments.repository.js';
import { loadSegments } from './load-segments.js';

export type SegmentPreview = { total: number; members: SegmentMember[]; next: string | null };

export async function previewSegment(options: {
  db: Db; workspaceId: string;
  /** A saved segment, or a filter not saved yet (checked like a saved one). */
  segment: { id: string } | { filter: unknown };
  limit: number; after?: string;
}): Promise<Result<SegmentPreview>> {
  const { db, workspaceId } = options;
  let filter: SegmentFilter;
  if ('id' in options.segment) {
    const s = await findSegment(db, workspaceId, options.segment.id);
    if (!s) return { ok: false, error: new AppError('not_found', `segment ${options.segment.id}`) };
    const usable = await loadSegments({ db, workspaceId, ids: [s.id] });
    if (!usable.ok) return usable;
    filter = s.filter;
  } else {
    const checked = await checkSegmentFilter({ db, workspaceId, filter: options.segment.filter });
    if (!checked.ok) return checked;
    filter = checked.value;
  }
  const [total, rows] = [await countSegmentMembers(db, workspaceId, filter), await listSegmentMembers(db, { workspaceId, filter, after: options.after, limit: options.limit + 1 })];
  const members = rows.slice(0, options.limit);
  return { ok: true, value: { total, members, next: rows.length > options.limit ? members[members.length - 1].id : null } };
}
