/**
 * Signing in: by password, or by a one-time link; either way a session with its own CSRF token.
 * Wrong email and wrong password answer alike, after the same scrypt work, so neither can be told apart.
 */
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { hashPassword, verifyPassword } from '../users/passwords.js';
import { findMembership, findUserByEmail, firstWorkspaceOf } from '../users/users.repository.js';
import { findWorkspace } from '../workspaces/workspaces.repository.js';
import { consumeSignInLink, insertSession } from './auth.repository.js';
import { hashSecret, newSecret } from './secrets.js';

export type NewSession = { cookieValue: string; csrfToken: string; expiresAt: Date; userId: string; workspaceId: string };

type SessionContext = { db: Kysely<Database>; ip: string | null; userAgent: string | null; ttlMs: number; now: Date };

let dummyHash: Promise<string> | undefined;

async function openSession(ctx: SessionContext, userId: string, workspaceId: string, how: string): Promise<NewSession> {
  const cookieValue = newSecret('lws');
  const csrfToken = newSecret('csrf', 24);
  const expiresAt = new Date(ctx.now.getTime() + ctx.ttlMs);
  await insertSession(ctx.db, { tokenHash: hashSecret(cookieValue), csrfToken, userId, workspaceId, ip: ctx.ip, userAgent: ctx.userAgent, expiresAt });
  await recordAudit({ db: ctx.db, workspaceId, actor: { type: 'user', id: userId }, action: 'session.create', target: { type: 'user', id: userId }, ip: ctx.ip, details: { how }, at: ctx.now });
  return { cookieValue, csrfToken, expiresAt, userId, workspaceId };
}

export async function signInWithPassword(options: SessionContext & { email: string; password: string; workspace?: string }): Promise<NewSession> {
  const user = await findUserByEmail(options.db, options.email.trim().toLowerCase());
  const ok = user && !user.disabled_at ? await verifyPassword(options.password, user.password_hash) : await verifyPassword(options.password, await (dummyHash ??= hashPassword('not-a-real-password')));
  if (!user || !ok || user.disabled_at) throw new AppError('unauthenticated', 'bad email or password', { userMessage: 'Wrong email or password.' });
  let workspaceId: string | undefined;
  if (options.workspace) {
    const ws = await findWorkspace(options.db, options.workspace);
    if (ws && (await findMembership(options.db, ws.id, user.id))) workspaceId = ws.id;
  } else {
    workspaceId = (await firstWorkspaceOf(options.db, user.id))?.id;
  }
  if (!workspaceId) throw new AppError('forbidden', 'user is not a member of that workspace');
  return openSession(options, user.id, workspaceId, 'password');
}

export async function signInWithLink(options: SessionContext & { token: string }): Promise<NewSession> {
  if (!/^lwl_[\w-]{20,100}$/.test(options.token)) throw new AppError('unauthenticated', 'malformed sign-in link', { userMessage: 'This sign-in link is not valid.' });
  const link = await consumeSignInLink(options.db, hashSecret(options.token), options.now);
  // says how to get another, so that a lost first link does not leave the owner guessing
  if (!link) throw new AppError('unauthenticated', 'used or expired sign-in link', { userMessage: NEW_LINK_HINT });
  return openSession(options, link.user_id, link.workspace_id, 'link');
}

const NEW_LINK_HINT = 'This sign-in link was already used or has expired. An admin can make a new one (POST /api/v1/members with your email and role answers a signInUrl); or, with the server stopped, run: listwarden admin create-user --email YOUR_EMAIL (your role is kept).';
