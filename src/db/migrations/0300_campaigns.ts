// Campaigns and sending: the workspace sender profile, campaigns, sends (one per "send" of a campaign, with the
// operator's acknowledgement) and the outbox (`send_recipients`: one row per recipient, its verdicts and state).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table sender_profiles (
      workspace_id uuid primary key references workspaces(id) on delete cascade,
      company text not null default '',
      address text not null default '',
      registration text not null default '',
      representative text not null default '',
      postal_address text not null default '',
      contact_phone text not null default '',
      contact_email text not null default '',
      website text not null default '',
      domains jsonb not null,
      return_path_domain text not null,
      dkim_selector text not null,
      -- PKCS#8 PEM; never returned by the API, never logged
      dkim_private_key text not null,
      updated_at timestamptz not null default now()
    );

    create table campaigns (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      name text not null,
      status text not null default 'draft' check (status in ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
      -- the validated campaign fields (campaign.ts), kept whole so that a send can snapshot them
      definition jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index campaigns_workspace on campaigns (workspace_id, created_at);

    -- integer ids keep VERP return paths short
    create table sends (
      id bigint generated always as identity primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      campaign_id uuid not null references campaigns(id) on delete cascade,
      status text not null default 'sending' check (status in ('sending', 'paused', 'cancelled', 'done')),
      -- the anti-spam terms acknowledgement, required for every send (campaign.ack_checked_at)
      acknowledged_by text not null,
      acknowledged_at timestamptz not null,
      acknowledgement text not null,
      -- campaign fields, sender identity (no key) and tracked links, exactly as sent
      snapshot jsonb not null,
      queued integer not null default 0,
      blocked integer not null default 0,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    );
    create index sends_active on sends (id) where status = 'sending';

    create table send_recipients (
      id bigint generated always as identity primary key,
      send_id bigint not null references sends(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      contact_id uuid not null references contacts(id) on delete cascade,
      email text not null,
      -- per-recipient idempotency key: one row, one Message-ID, whatever happens to the workers
      idempotency_key text not null unique,
      state text not null check (state in ('queued', 'sending', 'sent', 'blocked', 'retry_exhausted', 'bounced', 'cancelled')),
      -- the engine's answer when the send started, and again just before the message went out
      verdict text not null,
      basis text,
      reasons jsonb not null default '[]',
      recheck_verdict text,
      recheck_reasons jsonb,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      claimed_by text,
      lease_until timestamptz,
      last_reply text,
      sent_at timestamptz,
      unique (send_id, contact_id)
    );
    create index send_recipients_ready on send_recipients (send_id, next_attempt_at, id) where state = 'queued';
    create index send_recipients_leased on send_recipients (lease_until) where state = 'sending';
  `.execute(db);
}
