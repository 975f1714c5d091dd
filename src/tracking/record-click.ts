/**
 * A click on a tracked link: the token is checked, the click is stored as an activity event (a click is
 * engagement: the engine's inactivity window starts again from it) and the campaign's own link is returned for
 * the redirect. Only links the campaign contains can be reached, so the redirect is no open redirect. A contact
 * erased since is redirected all the same, and nothing is recorded.
 */
import type { Db } from '../db/database.js';
import { AppError, type Result } from '../errors.js';
import { verifyTracking } from './tracking-token.js';
import { findTrackedRecipient, insertTrackingActivity } from './tracking.repository.js';

export async function recordClick(options: { db: Db; secret: string; token: string; index: number; now: Date }): Promise<Result<{ url: string }>> {
  const v = verifyTracking({ token: options.token, secret: options.secret, now: options.now });
  if (!v.ok) return { ok: false, error: new AppError(v.code === 'expired' ? 'conflict' : 'not_found', `tracking token ${v.code}`, { userMessage: v.code === 'expired' ? 'This link has expired.' : 'Not found.' }) };
  const r = await findTrackedRecipient(options.db, v.value.sendId, v.value.recipientId);
  const url = r?.links[options.index];
  if (!r || !url) return { ok: false, error: new AppError('not_found', 'tracked link not found') };
  // An erased contact's old mail still leads where it says; nothing is recorded about them.
  if (r.contactId) await insertTrackingActivity(options.db, { workspaceId: r.workspaceId, contactId: r.contactId, type: 'click', at: options.now, details: { sendId: v.value.sendId, campaignId: r.campaignId, link: options.index } });
  return { ok: true, value: { url } };
}
