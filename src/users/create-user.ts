/** Creates a user (or finds the existing one by email) and makes them a member of a workspace with a role. */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database, Role } from '../db/schema.js';
import { AppError } from '../errors.js';
import { hashPassword } from './passwords.js';
import { findUserByEmail, insertUser, setPasswordHash, upsertMembership } from './users.repository.js';

export type CreateUserOptions = {
  db: Kysely<Database>;
  workspaceId: string;
  email: string;
  role: Role;
  name?: string;
  password?: string;
  actor: Actor;
  now: Date;
};

export async function createUser(options: CreateUserOptions) {
  const email = options.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    // the answer's message says what is wrong, not only "Some of the input is not valid."
    throw new AppError('invalid_input', `not an email address: ${email}`, { userMessage: `email: "${email}" is not an email address`, details: { issues: [{ path: 'email', message: 'not an email address' }] } });
  }
  if (options.password !== undefined && options.password.length < 10) {
    throw new AppError('invalid_input', 'password too short', { userMessage: 'password: at least 10 characters', details: { issues: [{ path: 'password', message: 'at least 10 characters' }] } });
  }
  // hash outside the transaction: scrypt takes tens of milliseconds and PGlite has one connection
  const passwordHash = options.password !== undefined ? await hashPassword(options.password) : null;
  const run = async (trx: Kysely<Database>) => {
    let user = await findUserByEmail(trx, email);
    const created = !user;
    if (!user) user = { ...(await insertUser(trx, { email, name: options.name ?? null, passwordHash })), password_hash: passwordHash, disabled_at: null };
    else if (passwordHash) await setPasswordHash(trx, user.id, passwordHash);
    await upsertMembership(trx, { workspaceId: options.workspaceId, userId: user.id, role: options.role });
    await recordAudit({
      db: trx, workspaceId: options.workspaceId, actor: options.actor, action: created ? 'user.create' : 'user.add_to_workspace',
      target: { type: 'user', id: user.id }, details: { email, role: options.role }, at: options.now,
    });
    return { id: user.id, email, role: options.role, created };
  };
  return options.db.isTransaction ? run(options.db) : options.db.transaction().execute(run);
}
