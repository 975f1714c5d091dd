/** SQL of the audit log: append (serialised by an advisory lock so the chain never forks), read, page. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditLogTable, Database } from '../db/schema.js';
import type { AuditFields } from './audit-chain.js';

export type AuditRow = Selectable<AuditLogTable>;

// One chain for the whole installation: the lock id is an arbitrary constant of ours.
const chainLockId = 740_733_001;

/** Must run inside a transaction: takes the chain lock until commit. */
export async function lockChainAndReadHead(trx: Kysely<Database>): Promise<string | undefined> {
  await sql`select pg_advisory_xact_lock(${chainLockId})`.execute(trx);
  const last = await trx.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return last?.hash;
}

export async function insertAuditEntry(trx: Kysely<Database>, fields: AuditFields, prevHash: string, hash: string): Promise<AuditRow> {
  return trx.insertInto('audit_log').values({
    workspace_id: fields.workspaceId, at: fields.at, actor_type: fields.actorType, actor_id: fields.actorId,
    action: fields.action, target_type: fields.targetType, target_id: fields.targetId, ip: fields.ip,
    details: JSON.stringify(fields.details), prev_hash: prevHash, hash,
  }).returningAll().executeTakeFirstOrThrow();
}

/** Reads the chain in id order, in pages, so verifying a long log does not hold it all in memory. */
export async function* readChain(db: Kysely<Database>, pageSize = 1000): AsyncGenerator<AuditRow> {
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('id', '>', after).orderBy('id').limit(pageSize).execute();
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].id;
  }
}

export async function listAuditEntries(db: Kysely<Database>, options: { workspaceId: string; before?: number; limit: number; targetId?: string }) {
  let q = db.selectFrom('audit_log').selectAll().where('workspace_id', '=', options.workspaceId);
  if (options.before) q = q.where('id', '<', options.before);
  if (options.targetId) q = q.where('target_id', '=', options.targetId);
  return q.orderBy('id', 'desc').limit(options.limit).execute();
}

export function rowToFields(row: AuditRow): AuditFields {
  return {
    workspaceId: row.workspace_id, at: row.at, actorType: row.actor_type, actorId: row.actor_id, action: row.action,
    targetType: row.target_type, targetId: row.target_id, ip: row.ip, details: row.details,
  };
}
