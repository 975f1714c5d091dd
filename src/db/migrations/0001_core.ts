// Core schema: tenants, people, contacts and their consent ledger, lists, activity, bounces, suppressions,
// tombstones, the audit log and the job queue. Plain SQL so it reads the same on PGlite and PostgreSQL.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table workspaces (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      slug text not null unique,
      -- keys the tombstone HMACs: a leaked tombstone table cannot be matched against another tenant's list
      secret text not null,
      is_default boolean not null default false,
      created_at timestamptz not null default now()
    );
    create unique index workspaces_one_default on workspaces (is_default) where is_default;

    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null unique,
      name text,
      password_hash text,
      created_at timestamptz not null default now(),
      disabled_at timestamptz
    );

    create table workspace_members (
      workspace_id uuid not null references workspaces(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      role text not null check (role in ('owner', 'admin', 'editor', 'viewer')),
      created_at timestamptz not null default now(),
      primary key (workspace_id, user_id)
    );

    create table sessions (
      id uuid primary key default gen_random_uuid(),
      token_hash text not null unique,
      csrf_token text not null,
      user_id uuid not null references users(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      ip text,
      user_agent text,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz
    );

    -- one-time sign-in links (first start, admin create-user); only the hash is kept
    create table sign_in_links (
      token_hash text primary key,
      user_id uuid not null references users(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    );

    create table api_tokens (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      name text not null,
      prefix text not null,
      token_hash text not null unique,
      role text not null check (role in ('owner', 'admin', 'editor', 'viewer')),
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    );

    create table contacts (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      email text,
      phone text,
      country text not null,
      kind text not null default 'consumer' check (kind in ('consumer', 'sole_trader', 'partnership', 'corporate')),
      birth_date text check (birth_date ~ '^\d{4}-\d{2}-\d{2}$'),
      custom_fields jsonb not null default '{}',
      source_type text not null,
      source_at timestamptz,
      collected_by text not null default 'us' check (collected_by in ('us', 'third_party', 'third_party_for_us')),
      source_evidence jsonb not null default '[]',
      -- sponsors, clientAttested, legitimateInterest: the rest of the contract's source object
      source_details jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index contacts_workspace_email on contacts (workspace_id, email) where email is not null;
    create index contacts_workspace_id on contacts (workspace_id, id);

    create table consent_events (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      contact_id uuid not null references contacts(id) on delete cascade,
      channel text not null check (channel in ('email', 'sms', 'phone', 'post', 'fax')),
      method text not null,
      at timestamptz not null,
      confirmed_at timestamptz,
      withdrawn_at timestamptz,
      -- form id and version, wording hash, ip, user agent, document references
      evidence jsonb not null default '{}',
      categories jsonb not null default '[]',
      recorded_by text,
      created_at timestamptz not null default now()
    );
    create index consent_events_contact on consent_events (contact_id, at);

    -- the ledger is append-only: the one allowed update is recording a withdrawal (or a confirmation) once;
    -- deletes happen only inside an erasure, which sets listwarden.erasure for its transaction
    create function consent_events_guard() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        if coalesce(current_setting('listwarden.erasure', true), '') = 'on' then return old; end if;
        raise exception 'consent events are append-only (delete outside erasure)' using errcode = 'P0001';
      end if;
      if new.id is distinct from old.id or new.workspace_id is distinct from old.workspace_id
        or new.contact_id is distinct from old.contact_id or new.channel is distinct from old.channel
        or new.method is distinct from old.method or new.at is distinct from old.at
        or new.evidence is distinct from old.evidence or new.categories is distinct from old.categories
        or new.created_at is distinct from old.created_at or new.recorded_by is distinct from old.recorded_by
        or (old.withdrawn_at is not null and new.withdrawn_at is distinct from old.withdrawn_at)
        or (old.confirmed_at is not null and new.confirmed_at is distinct from old.confirmed_at) then
        raise exception 'consent events are append-only (only a withdrawal or confirmation may be added)' using errcode = 'P0001';
      end if;
      return new;
    end $$;
    create trigger consent_events_append_only before update or delete on consent_events
      for each row execute function consent_events_guard();

    create table lists (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      name text not null,
      description text,
      created_at timestamptz not null default now(),
      unique (workspace_id, name)
    );

    create table list_memberships (
      workspace_id uuid not null references workspaces(id) on delete cascade,
      list_id uuid not null references lists(id) on delete cascade,
      contact_id uuid not null references contacts(id) on delete cascade,
      added_at timestamptz not null default now(),
      primary key (list_id, contact_id)
    );
    create index list_memberships_contact on list_memberships (contact_id);

    -- click, open, reply, purchase, signup, confirm, login, form, inquiry; purchases carry categories
    create table activity_events (
      id bigint generated always as identity primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      contact_id uuid not null references contacts(id) on delete cascade,
      type text not null,
      at timestamptz not null,
      categories jsonb not null default '[]',
      details jsonb not null default '{}'
    );
    create index activity_events_contact on activity_events (contact_id, at);

    create table bounces (
      id bigint generated always as identity primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      contact_id uuid not null references contacts(id) on delete cascade,
      type text not null check (type in ('hard', 'soft')),
      at timestamptz not null,
      status text,
      diagnostic text,
      details jsonb not null default '{}'
    );
    create index bounces_contact on bounces (contact_id, at);

    create table suppressions (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      contact_id uuid not null references contacts(id) on delete cascade,
      reason text not null check (reason in ('unsubscribe', 'objection', 'complaint', 'erasure', 'hard_bounce', 'manual')),
      channel text not null default 'all',
      scope text not null default 'marketing' check (scope in ('marketing', 'all_mail')),
      at timestamptz not null,
      source text,
      created_by text,
      -- only an unsubscribe is ever lifted, and only by the person's own fresh consent event
      lifted_at timestamptz,
      lifted_by_consent_id uuid references consent_events(id) on delete set null
    );
    create index suppressions_contact on suppressions (contact_id);

    -- what survives erasure: the keyed hash of the normalised address, the reason, the date; nothing else
    create table tombstones (
      id bigint generated always as identity primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      hmac text not null,
      reason text not null,
      at timestamptz not null,
      unique (workspace_id, hmac, reason)
    );

    create table audit_log (
      id bigint generated always as identity primary key,
      workspace_id uuid,
      at timestamptz not null,
      actor_type text not null check (actor_type in ('user', 'token', 'system')),
      actor_id text,
      action text not null,
      target_type text,
      target_id text,
      ip text,
      details jsonb not null default '{}',
      prev_hash text not null,
      hash text not null unique
    );
    create index audit_log_workspace on audit_log (workspace_id, id);
    create function audit_log_guard() returns trigger language plpgsql as $$
    begin
      raise exception 'the audit log is append-only' using errcode = 'P0001';
    end $$;
    create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function audit_log_guard();

    create table jobs (
      id bigint generated always as identity primary key,
      name text not null,
      payload jsonb not null default '{}',
      status text not null default 'pending' check (status in ('pending', 'running', 'done', 'failed', 'dead')),
      run_at timestamptz not null default now(),
      attempts integer not null default 0,
      max_attempts integer not null default 5,
      last_error text,
      locked_by text,
      locked_until timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index jobs_ready on jobs (run_at) where status in ('pending', 'failed');
  `.execute(db);
}
