/** SQL for users and workspace memberships. */
import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.js';

export async function findUserByEmail(db: Kysely<Database>, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Kysely<Database>, id: string) {
  return db.selectFrom('users').select(['id', 'email', 'name', 'created_at', 'disabled_at']).where('id', '=', id).executeTakeFirst();
}

export async function insertUser(db: Kysely<Database>, row: { email: string; name: string | null; passwordHash: string | null }) {
  return db.insertInto('users').values({ email: row.email, name: row.name, password_hash: row.passwordHash })
    .returning(['id', 'email', 'name', 'created_at']).executeTakeFirstOrThrow();
}

export async function setPasswordHash(db: Kysely<Database>, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

export async function upsertMembership(db: Kysely<Database>, row: { workspaceId: string; userId: string; role: Role }): Promise<void> {
  await db.insertInto('workspace_members').values({ workspace_id: row.workspaceId, user_id: row.userId, role: row.role })
    .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role: row.role })).execute();
}

export async function findMembership(db: Kysely<Database>, workspaceId: string, userId: string) {
  return db.selectFrom('workspace_members').select(['role']).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
}

export async function listMembers(db: Kysely<Database>, workspaceId: string) {
  return db.selectFrom('workspace_members').innerJoin('users', 'users.id', 'workspace_members.user_id')
    .select(['users.id', 'users.email', 'users.name', 'workspace_members.role', 'workspace_members.created_at'])
    .where('workspace_members.workspace_id', '=', workspaceId).orderBy('users.email').execute();
}

/** The first workspace a user belongs to (the default one first), for signing in without choosing. */
export async function firstWorkspaceOf(db: Kysely<Database>, userId: string) {
  return db.selectFrom('workspace_members').innerJoin('workspaces', 'workspaces.id', 'workspace_members.workspace_id')
    .select(['workspaces.id', 'workspace_members.role']).where('workspace_members.user_id', '=', userId)
    .orderBy('workspaces.is_default', 'desc').orderBy('workspace_members.created_at').limit(1).executeTakeFirst();
}
