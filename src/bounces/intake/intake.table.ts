/** Row types of the intake tables (migration 0400), added to the shared `Database`. */
import type { Generated } from 'kysely';
import type { DefaultedJson, Json, Timestamp } from '../../db/schema.js';

export type IntakeOutcome = 'acted' | 'unmatched' | 'ignored' | 'unreadable';

export interface ReturnedMailTable {
  id: Generated<number>;
  workspace_id: string | null;
  source: string;
  identity: string;
  kind: string;
  report: Json<Record<string, unknown>>;
  matches: DefaultedJson<unknown[]>;
  outcome: IntakeOutcome;
  size: Generated<number>;
  received_at: Timestamp;
}

export interface BounceActionsTable {
  id: Generated<number>;
  returned_mail_id: number;
  workspace_id: string;
  send_id: number | null;
  contact_id: string | null;
  address: string;
  action: string;
  effect: string;
  reason: string;
  status: Generated<string>;
  diagnostic: Generated<string>;
  at: Timestamp;
}

export interface BounceSettingsTable {
  workspace_id: string;
  soft_count: number;
  soft_days: number;
  updated_at: Timestamp;
}

export interface CircuitBreakerTripsTable {
  id: Generated<number>;
  workspace_id: string;
  send_id: number;
  campaign_id: string;
  reason: 'hard_bounce_rate' | 'complaint_rate';
  rate: number;
  threshold: number;
  sends: number;
  hard_bounces: number;
  complaints: number;
  tripped_at: Timestamp;
  resumed_at: Timestamp | null;
  resumed_by: string | null;
}

declare module '../../db/schema.js' {
  interface Database {
    returned_mail: ReturnedMailTable;
    bounce_actions: BounceActionsTable;
    bounce_settings: BounceSettingsTable;
    circuit_breaker_trips: CircuitBreakerTripsTable;
  }
}
