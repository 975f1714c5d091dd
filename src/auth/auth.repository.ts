/** SQL for credentials: API tokens, sessions and one-time sign-in links. */
import type { Db } from '../db/database.js';
import type { Role } from '../db/schema.js';

export async function findActiveApiToken(db: Db, tokenHash: string, now: Date) {
  return db.selectFrom('api_tokens')
    .select(['id', 'workspace_id', 'role', 'token_hash', 'expires_at', 'last_used_at'])
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
}

export async function touchApiToken(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function insertApiToken(db: Db, row: { workspaceId: string; name: string; prefix: string; tokenHash: string; role: Role; createdBy: string | null; expiresAt: Date | null }) {
  return db.insertInto('api_tokens').values({
    workspace_id: row.workspaceId, name: row.name, prefix: row.prefix, token_hash: row.tokenHash,
    role: row.role, created_by: row.createdBy, expires_at: row.expiresAt,
  }).returning(['id', 'name', 'prefix', 'role', 'created_at', 'expires_at']).executeTakeFirstOrThrow();
}

export async function listApiTokens(db: Db, workspaceId: string) {
  return db.selectFrom('api_tokens')
    .select(['id', 'name', 'prefix', 'role', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
}

/** Revokes one token of this workspace; returns its hash (for the cache) or undefined when not found. */
export async function revokeApiToken(db: Db, workspaceId: string, id: string, now: Date) {
  const row = await db.updateTable('api_tokens').set({ revoked_at: now })
    .where('workspace_id', '=', workspaceId).where('id', '=', id).where('revoked_at', 'is', null)
    .returning(['token_hash']).executeTakeFirst();
  return row?.token_hash;
}

export async function findActiveSession(db: Db, tokenHash: string, now: Date) {
  return db.selectFrom('sessions')
    .innerJoin('workspace_members', (j) => j.onRef('workspace_members.workspace_id', '=', 'sessions.workspace_id').onRef('workspace_members.user_id', '=', 'sessions.user_id'))
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.user_id', 'sessions.workspace_id', 'sessions.csrf_token', 'workspace_members.role'])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', now)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
}

export async function insertSession(db: Db, row: { tokenHash: string; csrfToken: string; userId: string; workspaceId: string; ip: string | null; userAgent: string | null; expiresAt: Date }) {
  return db.insertInto('sessions').values({
    token_hash: row.tokenHash, csrf_token: row.csrfToken, user_id: row.userId, workspace_id: row.workspaceId,
    ip: row.ip, user_agent: row.userAgent, expires_at: row.expiresAt,
  }).returning(['id']).executeTakeFirstOrThrow();
}

export async function revokeSession(db: Db, tokenHash: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('token_hash', '=', tokenHash).execute();
}

export async function insertSignInLink(db: Db, row: { tokenHash: string; userId: string; workspaceId: string; expiresAt: Date }): Promise<void> {
  await db.insertInto('sign_in_links').values({ token_hash: row.tokenHash, user_id: row.userId, workspace_id: row.workspaceId, expires_at: row.expiresAt }).execute();
}

/** Marks a link used, atomically, and returns it; a used or expired link returns undefined. */
export async function consumeSignInLink(db: Db, tokenHash: string, now: Date) {
  return db.updateTable('sign_in_links').set({ used_at: now })
    .where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now)
    .returning(['user_id', 'workspace_id']).executeTakeFirst();
}
