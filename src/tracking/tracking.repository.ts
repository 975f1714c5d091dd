/** SQL of the tracking links: which recipient a token names, the send's links, and the activity it records. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import '../sending/sending.table.js';

/** `contactId` is null when the recipient's row is gone (the contact was erased): the send's links remain. */
export type TrackedRecipient = { workspaceId: string; contactId: string | null; campaignId: string; links: string[]; trackOpens: boolean };

/** Send `sendId` with its links, and its outbox row `recipientId` when it is still there; undefined without the send. */
export async function findTrackedRecipient(db: Kysely<Database>, sendId: number, recipientId: number): Promise<TrackedRecipient | undefined> {
  const r = await sql<{ workspace_id: string; contact_id: string | null; campaign_id: string; snapshot: { links?: string[]; campaign?: { trackOpens?: boolean } } }>`
    select s.workspace_id, r.contact_id, s.campaign_id, s.snapshot
      from sends s left join send_recipients r on r.id = ${recipientId} and r.send_id = s.id
     where s.id = ${sendId}`.execute(db);
  const row = r.rows[0];
  if (!row) return undefined;
  const snapshot = typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot;
  return { workspaceId: row.workspace_id, contactId: row.contact_id, campaignId: row.campaign_id, links: snapshot.links ?? [], trackOpens: snapshot.campaign?.trackOpens === true };
}

/** Records a click or an open; a contact erased meanwhile (foreign key violation, 23503) leaves nothing to record. */
export async function insertTrackingActivity(db: Kysely<Database>, a: { workspaceId: string; contactId: string; type: 'click' | 'open'; at: Date; details: Record<string, unknown> }): Promise<void> {
  try {
    await db.insertInto('activity_events').values({ workspace_id: a.workspaceId, contact_id: a.contactId, type: a.type, at: a.at, details: JSON.stringify(a.details) }).execute();
  } catch (err) {
    if ((err as { code?: string }).code !== '23503') throw err;
  }
}
