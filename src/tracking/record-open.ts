/**
 * An open, seen through the tracking pixel. Stored as an `open` activity event, which the engine never counts as
 * engagement (image proxies and privacy features fetch pixels without a person), and only when the campaign
 * has open tracking switched on. Never fails towards the mail client: the pixel is served either way.
 */
import type { Db } from '../db/database.js';
import { verifyTracking } from './tracking-token.js';
import { findTrackedRecipient, insertTrackingActivity } from './tracking.repository.js';

export async function recordOpen(options: { db: Db; secret: string; token: string; now: Date }): Promise<boolean> {
  const v = verifyTracking({ token: options.token, secret: options.secret, now: options.now });
  if (!v.ok) return false;
  const r = await findTrackedRecipient(options.db, v.value.sendId, v.value.recipientId);
  if (!r?.contactId || !r.trackOpens) return false;
  await insertTrackingActivity(options.db, { workspaceId: r.workspaceId, contactId: r.contactId, type: 'open', at: options.now, details: { sendId: v.value.sendId, campaignId: r.campaignId } });
  return true;
}
