/** Row type of `campaign_schedules` (migration 0321), added to the shared `Database`. */
import type { Generated } from 'kysely';
import type { DefaultedTimestamp, Timestamp } from '../db/schema.js';

export type ScheduleStatus = 'pending' | 'started' | 'cancelled' | 'failed';

export interface CampaignSchedulesTable {
  id: Generated<number>;
  workspace_id: string;
  campaign_id: string;
  status: Generated<ScheduleStatus>;
  run_at: Timestamp;
  acknowledged_by: string;
  acknowledged_at: Timestamp;
  acknowledgement: string;
  claimed_by: string | null;
  lease_until: Timestamp | null;
  attempts: Generated<number>;
  send_id: number | null;
  error: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

declare module '../db/schema.js' {
  interface Database {
    campaign_schedules: CampaignSchedulesTable;
  }
}
