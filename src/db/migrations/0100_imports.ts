// Imports: one row per import (its declaration, progress checkpoint, counts and samples) and a ledger of the
// rows that were not imported (invalid, duplicate, suppressed) with their line numbers and reasons.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table imports (
      id bigint generated always as identity primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      list_id uuid not null references lists(id) on delete cascade,
      status text not null default 'pending' check (status in ('pending', 'running', 'done', 'failed')),
      file_name text not null,
      -- where the uploaded file is kept until the import is done, so that it can be resumed
      file_path text not null,
      file_size bigint not null,
      file_sha256 text not null,
      format jsonb not null default '{}',
      declaration jsonb not null,
      -- the provenance fingerprint written into each consent event: the same declaration never adds a second one
      fingerprint text not null,
      -- every physical line up to here is done: its batch committed together with this number
      checkpoint_line integer not null default 0,
      bytes_done bigint not null default 0,
      counts jsonb not null default '{}',
      samples jsonb not null default '{}',
      error text,
      -- the process that runs it (host:pid:random) and until when its claim holds without a heartbeat
      locked_by text,
      locked_until timestamptz,
      created_by text,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz not null default now()
    );
    create index imports_workspace on imports (workspace_id, id);

    create table import_rejections (
      import_id bigint not null references imports(id) on delete cascade,
      line integer not null,
      outcome text not null check (outcome in ('invalid', 'duplicate', 'suppressed')),
      reason text not null,
      email text,
      raw text,
      primary key (import_id, line)
    );

    -- one consent event per contact and import provenance: re-importing the same file adds nothing
    create unique index consent_events_import_fingerprint on consent_events (contact_id, (evidence->>'importFingerprint'))
      where evidence ? 'importFingerprint';
  `.execute(db);
}
