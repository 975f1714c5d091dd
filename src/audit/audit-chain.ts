/**
 * The audit log's hash chain: each entry's hash covers the previous hash and the entry's canonical JSON,
 * so changing, removing or reordering an entry breaks every hash after it. Pure functions.
 */
import { createHash } from 'node:crypto';

export const genesisHash = '0'.repeat(64);

export type AuditFields = {
  workspaceId: string | null;
  at: Date;
  actorType: 'user' | 'token' | 'system';
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
};

/** JSON with object keys sorted at every level: jsonb does not keep key order, the hash must not care. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function auditHash(prevHash: string, entry: AuditFields): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(entry)).digest('hex');
}

export type ChainBreak = { id: number; reason: 'prev_hash_mismatch' | 'hash_mismatch' };
