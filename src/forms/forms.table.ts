/** Row types of the forms/public tables (migration 0200), added to the shared `Database` interface. */
import type { Generated } from 'kysely';
import type { DefaultedJson, DefaultedTimestamp, Json, Timestamp } from '../db/schema.js';
import type { FormField, FormWording } from './form-definition.js';

export interface FormsTable {
  id: Generated<string>;
  workspace_id: string;
  public_id: string;
  name: string;
  list_ids: DefaultedJson<string[]>;
  fields: DefaultedJson<FormField[]>;
  channels: DefaultedJson<string[]>;
  default_language: Generated<string>;
  default_country: string;
  privacy_url: string;
  captcha: Generated<boolean>;
  current_version: Generated<number>;
  created_at: DefaultedTimestamp;
  archived_at: Timestamp | null;
}

export interface FormVersionsTable {
  form_id: string;
  version: number;
  workspace_id: string;
  wording: Json<FormWording>;
  created_at: DefaultedTimestamp;
}

export interface SignupsTable {
  id: Generated<string>;
  workspace_id: string;
  form_id: string;
  form_version: number;
  email: string;
  email_normalized: string;
  language: string;
  list_ids: DefaultedJson<string[]>;
  channels: DefaultedJson<string[]>;
  fields: DefaultedJson<Record<string, string>>;
  consent_hashes: DefaultedJson<Record<string, string>>;
  ip: string | null;
  user_agent: string | null;
  referrer: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  mail_status: Generated<'pending' | 'sending' | 'sent' | 'failed'>;
  mail_attempts: Generated<number>;
  mail_sent_at: Timestamp | null;
  resend_count: Generated<number>;
  confirmed_at: Timestamp | null;
  confirm_ip: string | null;
  confirm_user_agent: string | null;
  contact_id: string | null;
}

export interface SpentTokensTable {
  token_id: string;
  workspace_id: string;
  purpose: string;
  spent_at: Timestamp;
  expires_at: Timestamp;
}

export interface ContactPreferencesTable {
  contact_id: string;
  workspace_id: string;
  frequency: Generated<'any' | 'weekly' | 'monthly'>;
  updated_at: Timestamp;
}

declare module '../db/schema.js' {
  interface Database {
    forms: FormsTable;
    form_versions: FormVersionsTable;
    signups: SignupsTable;
    spent_tokens: SpentTokensTable;
    contact_preferences: ContactPreferencesTable;
  }
}
