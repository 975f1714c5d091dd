/**
 * Replaces a segment's name, description and filter. Campaigns that name it read the new filter when they next
 * start; a send already started keeps the audience it stored.
 */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import { isUniqueViolation } from '../contacts/contact-values.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import { checkSegmentInput } from './check-segment-input.js';
import { nameTaken } from './create-segment.js';
import type { Segment } from './segment.js';
import { updateSegmentRow } from './segments.repository.js';

export async function updateSegment(options: { db: Db; workspaceId: string; segmentId: string; input: unknown; actor: Actor; ip?: string | null; now: Date }): Promise<Result<Segment>> {
  const { db, workspaceId, now } = options;
  const input = await checkSegmentInput({ db, workspaceId, input: options.input });
  if (!input.ok) return input;
  try {
    const segment = await db.transaction().execute(async (trx) => {
      const s = await updateSegmentRow(trx, workspaceId, options.segmentId, input.value, now);
      if (s) await recordAudit({ db: trx, workspaceId, actor: options.actor, action: 'segment.update', target: { type: 'segment', id: s.id }, ip: options.ip, at: now, details: { name: s.name } });
      return s;
    });
    return segment ? { ok: true, value: segment } : { ok: false, error: new AppError('not_found', `segment ${options.segmentId}`) };
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, error: nameTaken() };
    throw err;
  }
}
