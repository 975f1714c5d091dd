/** Row types of the campaign and sending tables (migration 0300), added to the shared `Database`. */
import type { ColumnType, Generated } from 'kysely';
import type { DefaultedJson, DefaultedTimestamp, Json, Timestamp } from '../db/schema.js';
import type { Language } from '../i18n/language.js';

export type RecipientState = 'queued' | 'sending' | 'sent' | 'blocked' | 'retry_exhausted' | 'bounced' | 'cancelled';
export type SendStatus = 'sending' | 'paused' | 'cancelled' | 'done';

export interface SenderProfilesTable {
  workspace_id: string;
  company: string; address: string; registration: string; representative: string; postal_address: string;
  contact_phone: string; contact_email: string; website: string;
  domains: Json<string[]>;
  return_path_domain: string;
  dkim_selector: string;
  dkim_private_key: string;
  updated_at: DefaultedTimestamp;
}

export interface CampaignsTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  status: Generated<'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled'>;
  definition: Json<Record<string, unknown>>;
  /** Migration 0332: the campaign's language (`en`, `fr`, `de`); the fields in `definition` carry it too. */
  language: ColumnType<Language, Language | undefined, Language>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface SendsTable {
  id: Generated<number>;
  workspace_id: string;
  campaign_id: string;
  status: Generated<SendStatus>;
  acknowledged_by: string;
  acknowledged_at: Timestamp;
  acknowledgement: string;
  snapshot: Json<Record<string, unknown>>;
  queued: Generated<number>;
  blocked: Generated<number>;
  created_at: DefaultedTimestamp;
  finished_at: Timestamp | null;
}

export interface SendRecipientsTable {
  id: Generated<number>;
  send_id: number;
  workspace_id: string;
  contact_id: string;
  email: string;
  idempotency_key: string;
  state: RecipientState;
  verdict: string;
  basis: string | null;
  reasons: DefaultedJson<unknown[]>;
  recheck_verdict: string | null;
  recheck_reasons: ColumnType<unknown[] | null, string | null, string | null>;
  attempts: Generated<number>;
  next_attempt_at: DefaultedTimestamp;
  claimed_by: string | null;
  lease_until: Timestamp | null;
  last_reply: string | null;
  /** Migration 0333: when `last_reply` was written (null on rows written before it). */
  last_reply_at: ColumnType<Date | null, never, never>;
  /** Migration 0333: when the recheck just before sending blocked the row. */
  blocked_at: ColumnType<Date | null, never, never>;
  sent_at: Timestamp | null;
}

declare module '../db/schema.js' {
  interface Database {
    sender_profiles: SenderProfilesTable;
    campaigns: CampaignsTable;
    sends: SendsTable;
    send_recipients: SendRecipientsTable;
  }
}
