/**
 * Resolves a bearer API token or a session cookie to an `AuthContext`. Token lookups are cached for a few
 * seconds because every API request needs one; revoking through this process drops the entry at once, and
 * another process sees a revocation within `cacheMs`.
 */
import type { Db } from '../db/database.js';
import * as repo from './auth.repository.js';
import type { AuthContext } from './roles.js';
import { hashSecret } from './secrets.js';

export type SessionAuth = AuthContext & { csrfToken: string; sessionHash: string };

export type AuthResolver = {
  fromBearer(token: string): Promise<AuthContext | undefined>;
  fromSession(cookieValue: string): Promise<SessionAuth | undefined>;
  /** Drops a cached token at once (after a revocation). */
  forget(tokenHash: string): void;
};

const touchEveryMs = 60_000;

export function createAuthResolver(options: { db: Db; cacheMs?: number; now?: () => Date }): AuthResolver {
  const { db } = options;
  const cacheMs = options.cacheMs ?? 5_000;
  const now = options.now ?? (() => new Date());
  const cache = new Map<string, { ctx: AuthContext; until: number }>();
  const touched = new Map<string, number>();

  return {
    async fromBearer(token) {
      if (!/^lwt_[\w-]{20,100}$/.test(token)) return undefined;
      const hash = hashSecret(token);
      const at = now();
      const hit = cache.get(hash);
      if (hit && hit.until > at.getTime()) return hit.ctx;
      cache.delete(hash);
      const row = await repo.findActiveApiToken(db, hash, at);
      if (!row) return undefined;
      const ctx: AuthContext = { workspaceId: row.workspace_id, role: row.role, tokenId: row.id, via: 'token', actor: { type: 'token', id: row.id } };
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { ctx, until: at.getTime() + cacheMs });
      // last_used_at is informative: write it at most once a minute per token, not on every request
      if ((touched.get(row.id) ?? 0) + touchEveryMs < at.getTime()) {
        touched.set(row.id, at.getTime());
        await repo.touchApiToken(db, row.id, at);
      }
      return ctx;
    },

    async fromSession(cookieValue) {
      if (!/^lws_[\w-]{20,100}$/.test(cookieValue)) return undefined;
      const hash = hashSecret(cookieValue);
      const row = await repo.findActiveSession(db, hash, now());
      if (!row) return undefined;
      return {
        workspaceId: row.workspace_id, role: row.role, userId: row.user_id, via: 'session',
        actor: { type: 'user', id: row.user_id }, csrfToken: row.csrf_token, sessionHash: hash,
      };
    },

    forget(tokenHash) {
      cache.delete(tokenHash);
    },
  };
}
