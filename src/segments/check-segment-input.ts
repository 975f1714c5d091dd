/** Validates a segment's fields, and that every list its filter names is one of the workspace's own. */
import type { Db } from '../db/database.js';
import { AppError, invalidInput, type Result } from '../errors.js';
import { segmentInputSchema, type SegmentInput } from './segment.js';
import { segmentFilterSchema, listIdsOf, type SegmentFilter } from './segment-filter.js';
import { existingListIds } from './segments.repository.js';

async function checkLists(db: Db, workspaceId: string, filter: SegmentFilter, prefix: string): Promise<AppError | undefined> {
  const wanted = listIdsOf(filter);
  const known = await existingListIds(db, workspaceId, wanted);
  const missing = filter.conditions.map((c, i) => ({ c, i })).filter(({ c }) => c.field === 'list' && !known.has(c.listId));
  if (missing.length === 0) return undefined;
  return invalidInput(missing.map(({ i }) => ({ path: [prefix, 'conditions', i, 'listId'].filter((p) => p !== ''), message: 'no such list in this workspace' })));
}

export async function checkSegmentInput(options: { db: Db; workspaceId: string; input: unknown }): Promise<Result<SegmentInput>> {
  const parsed = segmentInputSchema.safeParse(options.input);
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error.issues) };
  const bad = await checkLists(options.db, options.workspaceId, parsed.data.filter, 'filter');
  return bad ? { ok: false, error: bad } : { ok: true, value: parsed.data };
}

export async function checkSegmentFilter(options: { db: Db; workspaceId: string; filter: unknown }): Promise<Result<SegmentFilter>> {
  const parsed = segmentFilterSchema.safeParse(options.filter);
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error.issues, 'filter') };
  const bad = await checkLists(options.db, options.workspaceId, parsed.data, 'filter');
  return bad ? { ok: false, error: bad } : { ok: true, value: parsed.data };
}
