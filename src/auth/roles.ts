/** Roles, weakest first; a role may do everything the roles before it may. */
import { AppError } from '../errors.js';
import type { Role } from '../db/schema.js';

export const roles = ['viewer', 'editor', 'admin', 'owner'] as const satisfies readonly Role[];
export type { Role };

/** Who is asking: the workspace every query is scoped to, and the role that bounds what they may do. */
export type AuthContext = {
  workspaceId: string;
  role: Role;
  userId?: string;
  tokenId?: string;
  via: 'token' | 'session';
  /** For the audit log: `user:<id>` or `token:<id>`. */
  actor: { type: 'user' | 'token'; id: string };
};

export function roleAtLeast(role: Role, needed: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(needed);
}

/** Throws `forbidden` unless the caller's role reaches `needed`. */
export function requireRole(auth: AuthContext | undefined, needed: Role): AuthContext {
  if (!auth) throw new AppError('unauthenticated', 'no credentials');
  if (!roleAtLeast(auth.role, needed)) throw new AppError('forbidden', `role ${auth.role} is below ${needed}`);
  return auth;
}
