/** Row types of the import tables (migration 0100). */
import type { ColumnType, Generated } from 'kysely';
import type { DefaultedJson, DefaultedTimestamp, Json, Timestamp } from '../db/schema.js';
import type { DeclarationInput } from './declaration.js';

export type ImportStatus = 'pending' | 'running' | 'done' | 'failed';
export type RejectionOutcome = 'invalid' | 'duplicate' | 'suppressed';

/** Counts by outcome; `blocked` counts each block code of the rows imported but not mailable. */
export type ImportCounts = {
  rows: number;
  eligible: number;
  blockedTotal: number;
  blocked: Record<string, number>;
  invalid: number;
  duplicate: number;
  suppressed: number;
};

export type SampleRow = { line: number; email: string | null; reason?: string; codes?: string[] };
/** A few rows per outcome (and per block code under `blocked:CODE`). */
export type ImportSamples = Record<string, SampleRow[]>;

export interface ImportsTable {
  id: Generated<number>;
  workspace_id: string;
  list_id: string;
  status: Generated<ImportStatus>;
  file_name: string;
  file_path: string;
  file_size: number;
  file_sha256: string;
  format: DefaultedJson<Record<string, unknown>>;
  declaration: Json<DeclarationInput>;
  fingerprint: string;
  checkpoint_line: Generated<number>;
  bytes_done: Generated<number>;
  counts: DefaultedJson<ImportCounts | Record<string, never>>;
  samples: DefaultedJson<ImportSamples>;
  error: string | null;
  locked_by: string | null;
  locked_until: Timestamp | null;
  created_by: string | null;
  created_at: DefaultedTimestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: DefaultedTimestamp;
}

export interface ImportRejectionsTable {
  import_id: number;
  line: number;
  outcome: RejectionOutcome;
  reason: string;
  email: string | null;
  raw: string | null;
}

declare module '../db/schema.js' {
  interface Database {
    imports: ImportsTable;
    import_rejections: ImportRejectionsTable;
  }
}

export type { ColumnType };
