// Sign-up forms and their wording versions, pending double opt-in sign-ups (which are also the outbox of
// confirmation mails), spent single-use tokens, and the preferences a person sets in the preference centre.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table forms (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      -- the id in public URLs; random so forms cannot be enumerated
      public_id text not null unique,
      name text not null,
      list_ids jsonb not null default '[]',
      fields jsonb not null default '[]',
      channels jsonb not null default '["email"]',
      default_language text not null default 'en',
      default_country text not null,
      privacy_url text not null,
      captcha boolean not null default false,
      current_version integer not null default 1,
      created_at timestamptz not null default now(),
      archived_at timestamptz
    );
    create index forms_workspace on forms (workspace_id);

    -- every wording ever shown is kept: consent events point at (form, version) and carry the text hash
    create table form_versions (
      form_id uuid not null references forms(id) on delete cascade,
      version integer not null,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      -- { en: { title, intro, consent: { email: "...", sms: "..." } }, fr: …, de: … }
      wording jsonb not null,
      created_at timestamptz not null default now(),
      primary key (form_id, version)
    );

    create table signups (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      form_id uuid not null references forms(id) on delete cascade,
      form_version integer not null,
      email text not null,
      email_normalized text not null,
      language text not null,
      list_ids jsonb not null default '[]',
      channels jsonb not null default '[]',
      fields jsonb not null default '{}',
      -- channel -> sha256 of the exact consent text shown
      consent_hashes jsonb not null default '{}',
      ip text,
      user_agent text,
      referrer text,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      mail_status text not null default 'pending' check (mail_status in ('pending', 'sending', 'sent', 'failed')),
      mail_attempts integer not null default 0,
      mail_sent_at timestamptz,
      resend_count integer not null default 0,
      confirmed_at timestamptz,
      confirm_ip text,
      confirm_user_agent text,
      -- a confirmed sign-up is part of the contact's evidence and goes with it at erasure
      contact_id uuid references contacts(id) on delete cascade
    );
    -- one open sign-up per address and form: a second submission re-sends (rate-limited) instead of piling up
    create unique index signups_open on signups (form_id, email_normalized) where confirmed_at is null;
    create index signups_outbox on signups (created_at) where mail_status in ('pending', 'failed');
    create index signups_expiry on signups (expires_at) where confirmed_at is null;

    create table spent_tokens (
      token_id text primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      purpose text not null,
      spent_at timestamptz not null,
      -- after expiry the token fails verification anyway, so the row may be purged
      expires_at timestamptz not null
    );

    create table contact_preferences (
      contact_id uuid primary key references contacts(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      frequency text not null default 'any' check (frequency in ('any', 'weekly', 'monthly')),
      updated_at timestamptz not null
    );
  `.execute(db);
}
