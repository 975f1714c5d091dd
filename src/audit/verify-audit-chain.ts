/** Verifies the whole audit chain; the answer names the first broken entry. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { auditHash, genesisHash, type ChainBreak } from './audit-chain.js';
import { readChain, rowToFields } from './audit.repository.js';

export type ChainReport = { ok: boolean; entries: number; firstBreak?: ChainBreak };

export async function verifyAuditChain(options: { db: Kysely<Database> }): Promise<ChainReport> {
  let prev = genesisHash;
  let entries = 0;
  for await (const row of readChain(options.db)) {
    entries += 1;
    if (row.prev_hash !== prev) return { ok: false, entries, firstBreak: { id: row.id, reason: 'prev_hash_mismatch' } };
    if (auditHash(row.prev_hash, rowToFields(row)) !== row.hash) return { ok: false, entries, firstBreak: { id: row.id, reason: 'hash_mismatch' } };
    prev = row.hash;
  }
  return { ok: true, entries };
}
