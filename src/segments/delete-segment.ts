/**
 * Deletes a segment, unless a campaign that has not started yet (draft or scheduled) still names it: that
 * campaign would otherwise fail when it starts. Sends already started keep their stored audience.
 */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import { campaignsWaitingOnSegment, deleteSegmentRow, findSegment } from './segments.repository.js';

export async function deleteSegment(options: { db: Db; workspaceId: string; segmentId: string; actor: Actor; ip?: string | null; now: Date }): Promise<Result<void>> {
  const { db, workspaceId, segmentId, now } = options;
  const segment = await findSegment(db, workspaceId, segmentId);
  if (!segment) return { ok: false, error: new AppError('not_found', `segment ${segmentId}`) };
  const users = await campaignsWaitingOnSegment(db, workspaceId, segmentId);
  if (users.length > 0) {
    const names = users.map((c) => `"${c.name}"`).join(', ');
    return { ok: false, error: new AppError('conflict', `segment ${segmentId} is used by ${users.length} campaign(s)`, {
      userMessage: `This segment is used by campaigns that have not started: ${names}. Remove it from them first.`,
      details: { campaigns: users },
    }) };
  }
  await db.transaction().execute(async (trx) => {
    if (await deleteSegmentRow(trx, workspaceId, segmentId)) {
      await recordAudit({ db: trx, workspaceId, actor: options.actor, action: 'segment.delete', target: { type: 'segment', id: segmentId }, ip: options.ip, at: now, details: { name: segment.name } });
    }
  });
  return { ok: true, value: undefined };
}
