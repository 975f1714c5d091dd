/** SQL of the tracking links: which recipient a token names, the send's links, and the activity it records. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import '../sending/sending.table.js';

export type TrackedRecipient = { workspaceId: string; contactId: string; campaignId: string; links: string[]; trackOpens: boolean };

/** The outbox row `recipientId` of send `sendId` with its send's links; undefined when they do not match. */
export async function findTrackedRecipient(db: Kysely<Database>, sendId: number, recipientId: number): Promise<TrackedRecipient | undefined> {
  const r = await sql<{ workspace_id: string; contact_id: string; campaign_id: string; snapshot: { links?: string[]; campaign?: { trackOpens?: boolean } } }>`
    select r.workspace_id, r.contact_id, s.campaign_id, s.snapshot
      from send_recipients r join sends s on s.id = r.send_id
     where r.id = ${recipientId} and r.send_id = ${sendId}`.execute(db);
  const row = r.rows[0];
  if (!row) return undefined;
  const snapshot = typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot;
  return { workspaceId: row.workspace_id, contactId: row.contact_id, campaignId: row.campaign_id, links: snapshot.links ?? [], trackOpens: snapshot.campaign?.trackOpens === true };
}

export async function insertTrackingActivity(db: Kysely<Database>, a: { workspaceId: string; contactId: string; type: 'click' | 'open'; at: Date; details: Record<string, unknown> }): Promise<void> {
  await db.insertInto('activity_events').values({ workspace_id: a.workspaceId, contact_id: a.contactId, type: a.type, at: a.at, details: JSON.stringify(a.details) }).execute();
}
