/** Creates a segment; names are unique per workspace. Audited (the name, never a contact). */
import { recordAudit, type Actor } from '../audit/record-audit.js';
import { isUniqueViolation } from '../contacts/contact-values.js';
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import { checkSegmentInput } from './check-segment-input.js';
import type { Segment } from './segment.js';
import { insertSegment } from './segments.repository.js';

export const nameTaken = () => new AppError('conflict', 'segment name taken', { userMessage: 'A segment with this name already exists.' });

export async function createSegment(options: { db: Db; workspaceId: string; input: unknown; actor: Actor; ip?: string | null; now: Date }): Promise<Result<Segment>> {
  const { db, workspaceId, now } = options;
  const input = await checkSegmentInput({ db, workspaceId, input: options.input });
  if (!input.ok) return input;
  try {
    const segment = await db.transaction().execute(async (trx) => {
      const s = await insertSegment(trx, workspaceId, input.value, now);
      await recordAudit({ db: trx, workspaceId, actor: options.actor, action: 'segment.create', target: { type: 'segment', id: s.id }, ip: options.ip, at: now, details: { name: s.name } });
      return s;
    });
    return { ok: true, value: segment };
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, error: nameTaken() };
    throw err;
  }
}
