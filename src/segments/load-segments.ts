/**
 * Reads segments for use (a campaign's audience, a preview): each must be the workspace's, and every list its
 * filter names must still exist. A deleted list would otherwise turn "on list X" into nobody and "not on list X"
 * into everyone, silently.
 */
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import type { Segment } from './segment.js';
import { listIdsOf } from './segment-filter.js';
import { existingListIds, findSegments } from './segments.repository.js';

export async function loadSegments(options: { db: Db; workspaceId: string; ids: readonly string[] }): Promise<Result<Segment[]>> {
  const { db, workspaceId, ids } = options;
  if (ids.length === 0) return { ok: true, value: [] };
  const segments = await findSegments(db, workspaceId, ids);
  const missing = ids.filter((id) => !segments.some((s) => s.id === id));
  if (missing.length > 0) {
    return { ok: false, error: new AppError('invalid_input', `unknown segment ${missing.join(', ')}`, {
      userMessage: `The campaign names ${missing.length === 1 ? 'a segment that does' : 'segments that do'} not exist in this workspace: ${missing.join(', ')}.`,
      details: { issues: missing.map((id) => ({ path: 'segmentIds', message: `no segment ${id} in this workspace` })) },
    }) };
  }
  const named = [...new Set(segments.flatMap((s) => listIdsOf(s.filter)))];
  const known = await existingListIds(db, workspaceId, named);
  const broken = segments.filter((s) => listIdsOf(s.filter).some((id) => !known.has(id)));
  if (broken.length > 0) {
    return { ok: false, error: new AppError('invalid_input', `segment ${broken.map((s) => s.id).join(', ')} names a deleted list`, {
      userMessage: `The segment ${broken.map((s) => `"${s.name}"`).join(', ')} names a list that no longer exists; edit its filter.`,
      details: { issues: broken.map((s) => ({ path: `segments.${s.id}.filter`, message: 'names a list that no longer exists' })) },
    }) };
  }
  return { ok: true, value: segments };
}
