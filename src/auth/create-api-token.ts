/** Creates an API token for one workspace. The token is returned once; only its hash is stored. */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database, Role } from '../db/schema.js';
import { AppError } from '../errors.js';
import { roleAtLeast } from './roles.js';
import { insertApiToken } from './auth.repository.js';
import { hashSecret, newSecret } from './secrets.js';

export type CreateApiTokenOptions = {
  db: Kysely<Database>;
  workspaceId: string;
  name: string;
  role: Role;
  actor: Actor;
  /** The creator's own role: nobody mints a token stronger than themselves. */
  creatorRole?: Role;
  createdBy?: string | null;
  expiresAt?: Date | null;
  ip?: string | null;
  now: Date;
};

export async function createApiToken(options: CreateApiTokenOptions) {
  if (options.creatorRole && !roleAtLeast(options.creatorRole, options.role)) {
    throw new AppError('forbidden', `a ${options.creatorRole} cannot create a ${options.role} token`);
  }
  const token = newSecret('lwt');
  const run = async (trx: Kysely<Database>) => {
    const row = await insertApiToken(trx, {
      workspaceId: options.workspaceId, name: options.name, prefix: token.slice(0, 10), tokenHash: hashSecret(token),
      role: options.role, createdBy: options.createdBy ?? null, expiresAt: options.expiresAt ?? null,
    });
    await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'api_token.create', target: { type: 'api_token', id: row.id }, ip: options.ip, details: { name: options.name, role: options.role }, at: options.now });
    return row;
  };
  const row = options.db.isTransaction ? await run(options.db) : await options.db.transaction().execute(run);
  return { ...row, token };
}
