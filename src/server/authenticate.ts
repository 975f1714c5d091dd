/**
 * Authentication for a request: a bearer API token, or the session cookie. A change made with a session
 * cookie must carry the session's CSRF token in `x-csrf-token`; tokens in headers need no CSRF defence.
 */
import type { FastifyRequest } from 'fastify';
import { requireRole, type AuthContext, type Role } from '../auth/roles.js';
import { safeEqual } from '../auth/secrets.js';
import { AppError } from '../errors.js';

export const sessionCookie = 'lw_session';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Resolves (once per request) who is calling, and checks the role; throws 401/403 AppErrors. */
export async function authenticate(request: FastifyRequest, needed: Role): Promise<AuthContext> {
  if (request.auth) return requireRole(request.auth, needed);
  const resolver = request.server.authResolver;
  const header = request.headers.authorization;
  let auth: AuthContext | undefined;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    auth = match ? await resolver.fromBearer(match[1]) : undefined;
    if (!auth) throw new AppError('unauthenticated', 'bad or revoked bearer token', { userMessage: 'The API token is not valid.' });
  } else {
    const cookie = request.cookies?.[sessionCookie];
    const session = cookie ? await resolver.fromSession(cookie) : undefined;
    if (!session) throw new AppError('unauthenticated', 'no valid session or token');
    if (!safeMethods.has(request.method)) {
      // an API caller with a cookie is told which header and where to read it; "the form expired" is the
      // person's pages' wording (src/security/csrf.ts), which is not this check
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || sent === '') {
        throw new AppError('csrf', 'missing x-csrf-token', { userMessage: 'The x-csrf-token header is missing: a change made with the session cookie must send the csrfToken given by GET /api/v1/auth/me in x-csrf-token (or use an API token).' });
      }
      if (!safeEqual(sent, session.csrfToken)) {
        throw new AppError('csrf', 'wrong x-csrf-token', { userMessage: 'The x-csrf-token header does not match this session: send the csrfToken given by GET /api/v1/auth/me for this session cookie.' });
      }
    }
    const { csrfToken: _c, sessionHash: _s, ...rest } = session;
    auth = rest;
  }
  request.auth = auth;
  return requireRole(auth, needed);
}
