/** Row type of `send_workers` (migration 0330): the live send workers that share the rate limits. */
import type { Timestamp } from '../db/schema.js';

export interface SendWorkersTable {
  worker_id: string;
  joined_at: Timestamp;
  heartbeat_at: Timestamp;
  expires_at: Timestamp;
}

declare module '../db/schema.js' {
  interface Database {
    send_workers: SendWorkersTable;
  }
}
