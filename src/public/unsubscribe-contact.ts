/**
 * Use case: the person unsubscribes (one-click POST, the unsubscribe page, or the preference centre). Takes
 * effect within the request (platform rule: at once, RFC 8058 / Gmail / Yahoo allow two days). It stops all
 * email marketing, not one list: the safer reading of "unsubscribe", and what a mailbox provider's button
 * promises. The preference centre is where a person leaves one list and keeps the others.
 */
import type { Kysely } from 'kysely';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import { unsubscribeInOneStatement } from './public.repository.js';

export type UnsubscribeMethod = 'one_click' | 'unsubscribe_page' | 'preference_centre';

export async function unsubscribeContact(options: {
  db: Kysely<Database>;
  workspaceId: string;
  contactId: string;
  listId?: string;
  campaignId?: string;
  sendId?: string;
  method: UnsubscribeMethod;
  now: Date;
}): Promise<Result<{ added: boolean }>> {
  const { db, workspaceId, contactId, now, method } = options;
  const details: Record<string, unknown> = { method };
  if (options.listId) details.listId = options.listId;
  if (options.campaignId) details.campaignId = options.campaignId;
  if (options.sendId) details.sendId = options.sendId;
  const r = await unsubscribeInOneStatement(db, { workspaceId, contactId, at: now, source: method, details });
  if (!r.found) return { ok: false, error: new AppError('not_found', 'contact not found (erased, or another workspace)') };
  return { ok: true, value: { added: r.added } };
}
