/** The column migration 0500 adds to `workspaces`, merged into the shared row type. */
import type { Generated } from 'kysely';
import type { B2bColdEmail } from '../engine/types.js';

declare module '../db/schema.js' {
  interface WorkspacesTable {
    b2b_cold_email: Generated<B2bColdEmail>;
  }
}
