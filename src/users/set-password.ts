/** Sets a signed-in user's own password (scrypt), so sign-in links are needed only once. */
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { hashPassword } from './passwords.js';
import { setPasswordHash } from './users.repository.js';

export type SetPasswordOptions = { db: Kysely<Database>; userId: string; workspaceId: string; password: string; ip?: string | null; now: Date };

export async function setPassword(options: SetPasswordOptions): Promise<void> {
  if (options.password.length < 10) {
    throw new AppError('invalid_input', 'password too short', { userMessage: 'body.password: at least 10 characters', details: { issues: [{ path: 'body.password', message: 'at least 10 characters' }] } });
  }
  const hash = await hashPassword(options.password);
  await setPasswordHash(options.db, options.userId, hash);
  await recordAudit({ db: options.db, workspaceId: options.workspaceId, actor: { type: 'user', id: options.userId }, action: 'user.set_password', target: { type: 'user', id: options.userId }, ip: options.ip, at: options.now });
}
