/**
 * SQL of scheduled sends (`campaign_schedules`). A due schedule is claimed like an outbox row: a token per claim
 * and a lease, `FOR UPDATE SKIP LOCKED` so that several send workers never start the same one. Every change
 * after the claim is fenced by that token, and a cancel or a new time clears it, so a start already under way
 * for the old time can no longer commit. Time comes in as `now`, never from the database clock.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import '../sending/sending.table.js';
import './schedules.table.js';
import type { CampaignSchedulesTable } from './schedules.table.js';

export type ScheduleRow = Selectable<CampaignSchedulesTable>;

const toRow = (r: ScheduleRow): ScheduleRow => ({ ...r, id: Number(r.id), send_id: r.send_id === null ? null : Number(r.send_id) });

export async function insertSchedule(db: Kysely<Database>, v: { workspaceId: string; campaignId: string; runAt: Date; acknowledgedBy: string; acknowledgement: string; now: Date }): Promise<number> {
  const r = await db.insertInto('campaign_schedules').values({
    workspace_id: v.workspaceId, campaign_id: v.campaignId, run_at: v.runAt, acknowledged_by: v.acknowledgedBy, acknowledged_at: v.now,
    acknowledgement: v.acknowledgement, created_at: v.now, updated_at: v.now,
  }).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** The campaign's newest schedule, whatever its state. */
export async function latestScheduleOf(db: Kysely<Database>, workspaceId: string, campaignId: string): Promise<ScheduleRow | undefined> {
  const r = await db.selectFrom('campaign_schedules').selectAll().where('workspace_id', '=', workspaceId).where('campaign_id', '=', campaignId)
    .orderBy('id', 'desc').limit(1).executeTakeFirst();
  return r && toRow(r);
}

/** Claims up to `limit` pending schedules due at `now` whose lease (if any) ran out. */
export async function claimDueSchedules(db: Kysely<Database>, options: { claim: string; now: Date; leaseMs: number; limit: number }): Promise<ScheduleRow[]> {
  const until = new Date(options.now.getTime() + options.leaseMs);
  const r = await sql<ScheduleRow>`
    update campaign_schedules s
       set claimed_by = ${options.claim}, lease_until = ${until}, attempts = s.attempts + 1, updated_at = ${options.now}
     where s.id in (
       select q.id from campaign_schedules q
        where q.status = 'pending' and q.run_at <= ${options.now} and (q.lease_until is null or q.lease_until < ${options.now})
        order by q.run_at, q.id
        limit ${options.limit}
        for update of q skip locked)
    returning s.*`.execute(db);
  return r.rows.map(toRow);
}

/** The start committed: pending → started, only for the claim that started it and while still due. */
export async function markScheduleStarted(db: Kysely<Database>, v: { id: number; claim: string; sendId: number; now: Date }): Promise<boolean> {
  const r = await db.updateTable('campaign_schedules').set({ status: 'started', send_id: v.sendId, claimed_by: null, lease_until: null, updated_at: v.now })
    .where('id', '=', v.id).where('status', '=', 'pending').where('claimed_by', '=', v.claim).where('run_at', '<=', v.now).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The start was refused (the gate, a missing segment): pending → failed with the reason; fenced by the claim. */
export async function markScheduleFailed(db: Kysely<Database>, v: { id: number; claim: string; error: string; now: Date }): Promise<boolean> {
  const r = await db.updateTable('campaign_schedules').set({ status: 'failed', error: v.error.slice(0, 2000), claimed_by: null, lease_until: null, updated_at: v.now })
    .where('id', '=', v.id).where('status', '=', 'pending').where('claimed_by', '=', v.claim).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A start that broke (database down): try again after `retryAt`, same claim rules. */
export async function postponeScheduleClaim(db: Kysely<Database>, v: { id: number; claim: string; retryAt: Date; error: string; now: Date }): Promise<void> {
  await db.updateTable('campaign_schedules').set({ lease_until: v.retryAt, error: v.error.slice(0, 2000), updated_at: v.now })
    .where('id', '=', v.id).where('status', '=', 'pending').where('claimed_by', '=', v.claim).execute();
}

/** pending → cancelled; returns the schedule id, or undefined when nothing was pending. */
export async function cancelPendingSchedule(db: Kysely<Database>, v: { workspaceId: string; campaignId: string; now: Date }): Promise<number | undefined> {
  const r = await db.updateTable('campaign_schedules').set({ status: 'cancelled', claimed_by: null, lease_until: null, updated_at: v.now })
    .where('workspace_id', '=', v.workspaceId).where('campaign_id', '=', v.campaignId).where('status', '=', 'pending')
    .returning('id').executeTakeFirst();
  return r && Number(r.id);
}

/** A new time for the pending schedule; clears any claim, so a start under way for the old time cannot commit. */
export async function movePendingSchedule(db: Kysely<Database>, v: { workspaceId: string; campaignId: string; runAt: Date; now: Date }): Promise<number | undefined> {
  const r = await db.updateTable('campaign_schedules').set({ run_at: v.runAt, claimed_by: null, lease_until: null, error: null, updated_at: v.now })
    .where('workspace_id', '=', v.workspaceId).where('campaign_id', '=', v.campaignId).where('status', '=', 'pending')
    .returning('id').executeTakeFirst();
  return r && Number(r.id);
}
