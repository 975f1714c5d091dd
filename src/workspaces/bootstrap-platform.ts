/**
 * First start on an empty database: a default workspace, its owner, and a one-time sign-in link.
 * Runs on every start and does nothing once a workspace exists.
 */
import type { Kysely } from 'kysely';
import { createSignInLink } from '../auth/create-sign-in-link.js';
import type { Database } from '../db/schema.js';
import { createUser } from '../users/create-user.js';
import { createWorkspace } from './create-workspace.js';
import { countWorkspaces } from './workspaces.repository.js';

export type BootstrapOptions = { db: Kysely<Database>; baseUrl: string; ownerEmail: string; now: Date };

export async function bootstrapPlatform(options: BootstrapOptions): Promise<{ created: false } | { created: true; workspaceId: string; ownerEmail: string; signInUrl: string }> {
  if ((await countWorkspaces(options.db)) > 0) return { created: false };
  const system = { type: 'system' as const, id: null };
  const ws = await createWorkspace({ db: options.db, name: 'Default', slug: 'default', isDefault: true, actor: system, now: options.now });
  const owner = await createUser({ db: options.db, workspaceId: ws.id, email: options.ownerEmail, role: 'owner', actor: system, now: options.now });
  const link = await createSignInLink({ db: options.db, baseUrl: options.baseUrl, userId: owner.id, workspaceId: ws.id, now: options.now });
  return { created: true, workspaceId: ws.id, ownerEmail: owner.email, signInUrl: link.url };
}
