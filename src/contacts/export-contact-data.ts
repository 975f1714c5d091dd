/**
 * Use case: a contact's data as the person's own access export gives it (GDPR Art. 15), for staff answering a
 * request that came by letter or email. The disclosure is audited: who exported whose data, and when.
 */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { AppError, type Result } from '../errors.js';
import { getMyData, type MyData } from '../public/get-my-data.js';

export type ExportContactDataOptions = { db: Kysely<Database>; workspaceId: string; contactId: string; actor: Actor; ip?: string | null; now: Date };

export async function exportContactData(options: ExportContactDataOptions): Promise<Result<MyData & { exportedAt: string }>> {
  const data = await getMyData({ db: options.db, workspaceId: options.workspaceId, contactId: options.contactId });
  if (!data) return { ok: false, error: new AppError('not_found', `contact ${options.contactId} not found`) };
  await recordAudit({ db: options.db, workspaceId: options.workspaceId, actor: options.actor, action: 'contact.export', target: { type: 'contact', id: options.contactId }, ip: options.ip, at: options.now });
  return { ok: true, value: { exportedAt: options.now.toISOString(), ...data } };
}
