/** Appends one entry to the hash-chained audit log: who did what to which record, when, from where. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { auditHash, genesisHash, type AuditFields } from './audit-chain.js';
import { insertAuditEntry, lockChainAndReadHead } from './audit.repository.js';

export type Actor = { type: 'user' | 'token' | 'system'; id: string | null };

export type RecordAuditOptions = {
  /** A transaction when the change it describes has one: both commit or neither. */
  db: Kysely<Database>;
  workspaceId: string | null;
  actor: Actor;
  action: string;
  target?: { type: string; id: string };
  ip?: string | null;
  details?: Record<string, unknown>;
  at: Date;
};

export async function recordAudit(options: RecordAuditOptions): Promise<void> {
  const fields: AuditFields = {
    workspaceId: options.workspaceId, at: options.at, actorType: options.actor.type, actorId: options.actor.id,
    action: options.action, targetType: options.target?.type ?? null, targetId: options.target?.id ?? null,
    ip: options.ip ?? null, details: options.details ?? {},
  };
  const write = async (trx: Kysely<Database>) => {
    const prev = (await lockChainAndReadHead(trx)) ?? genesisHash;
    await insertAuditEntry(trx, fields, prev, auditHash(prev, fields));
  };
  if (options.db.isTransaction) await write(options.db);
  else await options.db.transaction().execute(write);
}
