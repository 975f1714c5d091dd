/** A one-time sign-in link: a random token whose hash is stored; it works once, within its lifetime. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { insertSignInLink } from './auth.repository.js';
import { hashSecret, newSecret } from './secrets.js';

export type CreateSignInLinkOptions = { db: Kysely<Database>; baseUrl: string; userId: string; workspaceId: string; now: Date; ttlMs?: number };

export async function createSignInLink(options: CreateSignInLinkOptions): Promise<{ url: string; expiresAt: Date }> {
  const token = newSecret('lwl');
  const expiresAt = new Date(options.now.getTime() + (options.ttlMs ?? 24 * 3600_000));
  await insertSignInLink(options.db, { tokenHash: hashSecret(token), userId: options.userId, workspaceId: options.workspaceId, expiresAt });
  return { url: `${options.baseUrl}/sign-in/${token}`, expiresAt };
}
