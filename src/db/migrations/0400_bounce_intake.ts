// Bounce intake: every returned message or provider event kept with what was parsed, what it matched and what
// was done (`returned_mail`, `bounce_actions`), the per-workspace soft-bounce threshold, and circuit-breaker trips.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table returned_mail (
      id bigint generated always as identity primary key,
      -- null when nothing matched and the mail came in for the whole platform (inbound SMTP, CLI, webhooks)
      workspace_id uuid references workspaces(id) on delete cascade,
      -- smtp, upload, cli, ses, sendgrid, mailgun, postmark, sending
      source text not null,
      -- Message-ID of the returned mail, a provider's event id, or a SHA-256 of the bytes: one row per message
      identity text not null unique,
      kind text not null,
      report jsonb not null,
      -- how it matched (verp, message_id) or why not, per recipient
      matches jsonb not null default '[]',
      outcome text not null check (outcome in ('acted', 'unmatched', 'ignored', 'unreadable')),
      size integer not null default 0,
      received_at timestamptz not null
    );
    create index returned_mail_workspace on returned_mail (workspace_id, id);

    -- one row per reported recipient that matched a send: the action taken
    create table bounce_actions (
      id bigint generated always as identity primary key,
      returned_mail_id bigint not null references returned_mail(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      send_id bigint references sends(id) on delete set null,
      contact_id uuid references contacts(id) on delete set null,
      address text not null,
      action text not null check (action in ('suppress_hard', 'count_soft', 'sender_problem', 'complaint', 'unsubscribe', 'none')),
      -- what the action led to: suppressed, soft_counted, soft_limit_suppressed, already_suppressed, unsubscribed, recorded
      effect text not null,
      reason text not null,
      status text not null default '',
      diagnostic text not null default '',
      at timestamptz not null
    );
    create index bounce_actions_send on bounce_actions (send_id, action);
    create index bounce_actions_workspace on bounce_actions (workspace_id, action, id);

    create table bounce_settings (
      workspace_id uuid primary key references workspaces(id) on delete cascade,
      soft_count integer not null check (soft_count between 1 and 100),
      soft_days integer not null check (soft_days between 1 and 365),
      updated_at timestamptz not null
    );

    -- why a send paused itself; resuming keeps the row (resumed_at) and stops the breaker for that send
    create table circuit_breaker_trips (
      id bigint generated always as identity primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      send_id bigint not null unique references sends(id) on delete cascade,
      campaign_id uuid not null references campaigns(id) on delete cascade,
      reason text not null check (reason in ('hard_bounce_rate', 'complaint_rate')),
      rate double precision not null,
      threshold double precision not null,
      sends integer not null,
      hard_bounces integer not null,
      complaints integer not null,
      tripped_at timestamptz not null,
      resumed_at timestamptz,
      resumed_by text
    );
  `.execute(db);
}
