// Scheduled sends: a campaign started with a future `scheduledAt` waits here (with the operator's acknowledgement,
// who and when) until a send worker claims it when due; its audience is evaluated only then.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table campaign_schedules (
      id bigint generated always as identity primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      campaign_id uuid not null references campaigns(id) on delete cascade,
      status text not null default 'pending' check (status in ('pending', 'started', 'cancelled', 'failed')),
      run_at timestamptz not null,
      -- the anti-spam terms acknowledgement given when the send was scheduled; the send carries it
      acknowledged_by text not null,
      acknowledged_at timestamptz not null,
      acknowledgement text not null,
      -- a worker starting it: a token per claim, and until when it holds
      claimed_by text,
      lease_until timestamptz,
      attempts integer not null default 0,
      send_id bigint references sends(id) on delete set null,
      error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index campaign_schedules_one_pending on campaign_schedules (campaign_id) where status = 'pending';
    create index campaign_schedules_due on campaign_schedules (run_at, id) where status = 'pending';
    create index campaign_schedules_campaign on campaign_schedules (campaign_id, id);
  `.execute(db);
}
