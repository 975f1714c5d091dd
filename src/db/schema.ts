/**
 * Row types of every table, for Kysely. Other features add their tables by augmenting this interface from
 * their own `*.table.ts`:  `declare module '../db/schema.js' { interface Database { my_table: MyTable } }`.
 */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** A timestamp column: read as Date, written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A jsonb column written as a JSON string (`JSON.stringify`), which both drivers pass through unchanged. */
export type Json<T extends object | null> = JSONColumnType<T, string, string>;
export type DefaultedJson<T> = ColumnType<T, string | undefined, string>;

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';

export interface WorkspacesTable {
  id: Generated<string>;
  name: string;
  slug: string;
  secret: string;
  is_default: Generated<boolean>;
  created_at: DefaultedTimestamp;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string | null;
  password_hash: string | null;
  created_at: DefaultedTimestamp;
  disabled_at: Timestamp | null;
}

export interface WorkspaceMembersTable {
  workspace_id: string;
  user_id: string;
  role: Role;
  created_at: DefaultedTimestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: string;
  csrf_token: string;
  user_id: string;
  workspace_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: DefaultedTimestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface SignInLinksTable {
  token_hash: string;
  user_id: string;
  workspace_id: string;
  created_at: DefaultedTimestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface ApiTokensTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  prefix: string;
  token_hash: string;
  role: Role;
  created_by: string | null;
  created_at: DefaultedTimestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface ContactsTable {
  id: Generated<string>;
  workspace_id: string;
  email: string | null;
  phone: string | null;
  country: string;
  kind: Generated<'consumer' | 'sole_trader' | 'partnership' | 'corporate'>;
  birth_date: string | null;
  custom_fields: DefaultedJson<Record<string, unknown>>;
  source_type: string;
  source_at: Timestamp | null;
  collected_by: Generated<'us' | 'third_party' | 'third_party_for_us'>;
  source_evidence: DefaultedJson<unknown[]>;
  source_details: DefaultedJson<Record<string, unknown>>;
  registries: DefaultedJson<string[]>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface ConsentEventsTable {
  id: Generated<string>;
  workspace_id: string;
  contact_id: string;
  channel: 'email' | 'sms' | 'phone' | 'post' | 'fax';
  method: string;
  at: Timestamp;
  confirmed_at: Timestamp | null;
  withdrawn_at: Timestamp | null;
  evidence: DefaultedJson<Record<string, unknown>>;
  categories: DefaultedJson<string[]>;
  recorded_by: string | null;
  created_at: DefaultedTimestamp;
}

export interface ListsTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  description: string | null;
  created_at: DefaultedTimestamp;
}

export interface ListMembershipsTable {
  workspace_id: string;
  list_id: string;
  contact_id: string;
  added_at: DefaultedTimestamp;
}

export interface ActivityEventsTable {
  id: Generated<number>;
  workspace_id: string;
  contact_id: string;
  type: string;
  at: Timestamp;
  categories: DefaultedJson<string[]>;
  details: DefaultedJson<Record<string, unknown>>;
}

export interface BouncesTable {
  id: Generated<number>;
  workspace_id: string;
  contact_id: string;
  type: 'hard' | 'soft';
  at: Timestamp;
  status: string | null;
  diagnostic: string | null;
  details: DefaultedJson<Record<string, unknown>>;
}

export type SuppressionReason = 'unsubscribe' | 'objection' | 'complaint' | 'erasure' | 'hard_bounce' | 'manual';

export interface SuppressionsTable {
  id: Generated<string>;
  workspace_id: string;
  contact_id: string;
  reason: SuppressionReason;
  channel: Generated<string>;
  scope: Generated<'marketing' | 'all_mail'>;
  at: Timestamp;
  source: string | null;
  created_by: string | null;
  lifted_at: Timestamp | null;
  lifted_by_consent_id: string | null;
}

export interface TombstonesTable {
  id: Generated<number>;
  workspace_id: string;
  hmac: string;
  reason: string;
  at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  workspace_id: string | null;
  at: Timestamp;
  actor_type: 'user' | 'token' | 'system';
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  details: DefaultedJson<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export type JobStatus = 'pending' | 'running' | 'done' | 'failed' | 'dead';

export interface JobsTable {
  id: Generated<number>;
  name: string;
  payload: DefaultedJson<unknown>;
  status: Generated<JobStatus>;
  run_at: DefaultedTimestamp;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  last_error: string | null;
  locked_by: string | null;
  locked_until: Timestamp | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface Database {
  workspaces: WorkspacesTable;
  users: UsersTable;
  workspace_members: WorkspaceMembersTable;
  sessions: SessionsTable;
  sign_in_links: SignInLinksTable;
  api_tokens: ApiTokensTable;
  contacts: ContactsTable;
  consent_events: ConsentEventsTable;
  lists: ListsTable;
  list_memberships: ListMembershipsTable;
  activity_events: ActivityEventsTable;
  bounces: BouncesTable;
  suppressions: SuppressionsTable;
  tombstones: TombstonesTable;
  audit_log: AuditLogTable;
  jobs: JobsTable;
}
