/**
 * Use case: people unsubscribe (one-click POST, the unsubscribe page, or the preference centre). Takes effect
 * within the request (platform rule: at once; RFC 8058 / Gmail / Yahoo allow two days). It stops all email
 * marketing, not one list: the safer reading of "unsubscribe", and what a mailbox provider's button promises.
 * The preference centre is where a person leaves one list and keeps the others.
 */
import type { Kysely } from 'kysely';
import { AppError, type Result } from '../errors.js';
import type { Database } from '../db/schema.js';
import { unsubscribeMany } from './public.repository.js';

export type UnsubscribeMethod = 'one_click' | 'unsubscribe_page' | 'preference_centre';

export type UnsubscribeRequest = {
  workspaceId: string;
  contactId: string;
  listId?: string;
  campaignId?: string;
  sendId?: string;
  method: UnsubscribeMethod;
  now: Date;
};

/** Unsubscribes several people in one statement; returns, per request, whether the contact was found. */
export async function unsubscribeContacts(options: { db: Kysely<Database>; requests: UnsubscribeRequest[] }): Promise<boolean[]> {
  const found = await unsubscribeMany(options.db, options.requests.map((r) => {
    const details: Record<string, unknown> = { method: r.method };
    if (r.listId) details.listId = r.listId;
    if (r.campaignId) details.campaignId = r.campaignId;
    if (r.sendId) details.sendId = r.sendId;
    return { workspaceId: r.workspaceId, contactId: r.contactId, at: r.now, source: r.method, details };
  }));
  return options.requests.map((r) => found.has(r.contactId));
}

export async function unsubscribeContact(options: { db: Kysely<Database> } & UnsubscribeRequest): Promise<Result<{ found: true }>> {
  const { db, ...request } = options;
  const [found] = await unsubscribeContacts({ db, requests: [request] });
  if (!found) return { ok: false, error: new AppError('not_found', 'contact not found (erased, or another workspace)') };
  return { ok: true, value: { found: true } };
}
