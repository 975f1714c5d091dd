// Segments: a workspace's saved, named filters over its contacts (validated jsonb, see src/segments/segment-filter.ts).
// Members are never stored: a segment is evaluated when a preview or a send reads it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table segments (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      name text not null,
      description text not null default '',
      filter jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (workspace_id, name)
    );
  `.execute(db);
}
