/** SQL for workspaces (tenants). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { WorkspacePolicy } from '../engine/types.js';

export async function insertWorkspace(db: Kysely<Database>, row: { name: string; slug: string; secret: string; isDefault: boolean }) {
  return db.insertInto('workspaces').values({ name: row.name, slug: row.slug, secret: row.secret, is_default: row.isDefault })
    .returning(['id', 'name', 'slug', 'is_default', 'created_at']).executeTakeFirstOrThrow();
}

export async function findDefaultWorkspace(db: Kysely<Database>) {
  return db.selectFrom('workspaces').select(['id', 'name', 'slug']).where('is_default', '=', true).executeTakeFirst();
}

export async function findWorkspace(db: Kysely<Database>, idOrSlug: string) {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
  return db.selectFrom('workspaces').select(['id', 'name', 'slug', 'is_default'])
    .where(isUuid ? 'id' : 'slug', '=', idOrSlug).executeTakeFirst();
}

/** The workspace secret keys tombstone HMACs; it never leaves the server. */
export async function workspaceSecret(db: Kysely<Database>, workspaceId: string): Promise<string> {
  const row = await db.selectFrom('workspaces').select('secret').where('id', '=', workspaceId).executeTakeFirstOrThrow();
  return row.secret;
}

export async function countWorkspaces(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('workspaces').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The workspace's policy settings (migration 0500); undefined when there is no such workspace. */
export async function findWorkspacePolicy(db: Kysely<Database>, workspaceId: string, options: { forUpdate?: boolean } = {}): Promise<WorkspacePolicy | undefined> {
  let q = db.selectFrom('workspaces').select('b2b_cold_email').where('id', '=', workspaceId);
  if (options.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row && { b2bColdEmail: row.b2b_cold_email };
}

export async function updateWorkspacePolicy(db: Kysely<Database>, workspaceId: string, policy: WorkspacePolicy): Promise<void> {
  await db.updateTable('workspaces').set({ b2b_cold_email: policy.b2bColdEmail }).where('id', '=', workspaceId).execute();
}
