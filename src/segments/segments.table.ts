/** Row type of the `segments` table (migration 0320), added to the shared `Database`. */
import type { Generated } from 'kysely';
import type { DefaultedTimestamp, Json } from '../db/schema.js';

export interface SegmentsTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  description: Generated<string>;
  filter: Json<Record<string, unknown>>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

declare module '../db/schema.js' {
  interface Database {
    segments: SegmentsTable;
  }
}
