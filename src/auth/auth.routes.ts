/**
 * Sessions (`/sign-in/:token`, `/api/v1/auth/login|logout|me`), API tokens (`/api/v1/tokens`) and members
 * (`/api/v1/members`). Session cookies are HttpOnly, SameSite=Lax, Secure behind https.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { roles } from './roles.js';
import type { AppDeps } from '../server/app.js';
import { sessionCookie } from '../server/authenticate.js';
import { defineRoute } from '../server/route.js';
import { createUser } from '../users/create-user.js';
import { setPassword } from '../users/set-password.js';
import { findMembership, findUserByEmail, findUserById, listMembers } from '../users/users.repository.js';
import { listApiTokens, revokeApiToken, revokeSession } from './auth.repository.js';
import { createApiToken } from './create-api-token.js';
import { createSignInLink } from './create-sign-in-link.js';
import { hashSecret } from './secrets.js';
import { signInWithLink, signInWithPassword, type NewSession } from './sign-in.js';
import { recordAudit } from '../audit/record-audit.js';
import { createRateLimiter } from '../security/rate-limit.js';
import { AppError } from '../errors.js';
import { knownFields } from '../server/known-fields.js';
import { PUBLIC_PATHS } from '../public/links.js';
import { findWorkspace } from '../workspaces/workspaces.repository.js';

export default async function authRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const ttlMs = deps.config.sessionTtlHours * 3600_000;
  const setCookie = (reply: FastifyReply, s: NewSession) => reply.setCookie(sessionCookie, s.cookieValue, {
    path: '/', httpOnly: true, sameSite: 'lax', secure: Boolean(deps.config.cookieSecure), expires: s.expiresAt,
  });
  const ctx = (request: { ip: string; headers: Record<string, unknown> }) => ({
    db: deps.db, ip: request.ip, userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 500) : null, ttlMs, now: deps.now(),
  });

  defineRoute(app, { method: 'GET', url: '/sign-in/:token', summary: 'Use a one-time sign-in link: opens a session and redirects to the API reference', tags: ['auth'], role: 'public', params: z.object({ token: z.string().max(200) }) },
    async ({ params, request, reply }) => {
      const s = await signInWithLink({ ...ctx(request), token: params.token });
      setCookie(reply, s);
      return reply.redirect('/api/v1/reference', 303); // no admin pages yet: land on the API reference
    });

  // password guessing: 10 attempts per 15 minutes per address and per client IP
  const loginLimiter = createRateLimiter({ limit: 10, windowMs: 15 * 60_000 });
  defineRoute(app, { method: 'POST', url: '/api/v1/auth/login', summary: 'Sign in with email and password; sets the session cookie and returns the CSRF token', tags: ['auth'], role: 'public',
    body: z.object({ email: z.string().max(320), password: z.string().max(1000), workspace: z.string().max(100).optional() }) },
  async ({ body, request, reply }) => {
    for (const key of [`ip:${request.ip}`, `email:${body.email.trim().toLowerCase()}`]) {
      const hit = loginLimiter.hit(key, deps.now());
      if (!hit.allowed) {
        reply.header('retry-after', String(hit.retryAfterSeconds));
        throw new AppError('rate_limited', `too many sign-in attempts (${key.split(':')[0]})`);
      }
    }
    const s = await signInWithPassword({ ...ctx(request), ...body });
    setCookie(reply, s);
    return { csrfToken: s.csrfToken, workspaceId: s.workspaceId, expiresAt: s.expiresAt.toISOString() };
  });

  defineRoute(app, { method: 'POST', url: '/api/v1/auth/logout', summary: 'End this session', tags: ['auth'], role: 'viewer' },
    async ({ request, reply }) => {
      const cookie = request.cookies[sessionCookie];
      if (cookie) await revokeSession(deps.db, hashSecret(cookie), deps.now());
      reply.clearCookie(sessionCookie, { path: '/' });
    });

  defineRoute(app, { method: 'GET', url: '/api/v1/auth/me', summary: 'Who is calling: user or token, workspace (with its slug and the people\'s data access page), role; for sessions the CSRF token to send as `x-csrf-token` on changes', tags: ['auth'], role: 'viewer' },
    async ({ auth, request }) => {
      const user = auth.userId ? await findUserById(deps.db, auth.userId) : undefined;
      const session = auth.via === 'session' ? await request.server.authResolver.fromSession(request.cookies[sessionCookie] ?? '') : undefined;
      // the slug is the one name a person's access page is reached by; nothing else tells it
      const ws = await findWorkspace(deps.db, auth.workspaceId);
      const workspace = ws ? { id: ws.id, name: ws.name, slug: ws.slug, dataAccessUrl: `${deps.config.baseUrl}${PUBLIC_PATHS.access}/${ws.slug}` } : null;
      return { workspaceId: auth.workspaceId, workspace, role: auth.role, via: auth.via, user: user ? { id: user.id, email: user.email, name: user.name } : null, tokenId: auth.tokenId ?? null, csrfToken: session?.csrfToken ?? null };
    });

  defineRoute(app, { method: 'POST', url: '/api/v1/auth/password', summary: 'Set your own password (signed-in users, not tokens)', tags: ['auth'], role: 'viewer',
    body: z.object({ password: z.string().max(1000) }) },
  async ({ body, auth, request }) => {
    if (!auth.userId) throw new AppError('forbidden', 'an API token has no password');
    await setPassword({ db: deps.db, userId: auth.userId, workspaceId: auth.workspaceId, password: body.password, ip: request.ip, now: deps.now() });
  });

  defineRoute(app, { method: 'GET', url: '/api/v1/tokens', summary: 'API tokens of this workspace (never the secrets)', tags: ['tokens'], role: 'admin' },
    async ({ auth }) => ({ items: (await listApiTokens(deps.db, auth.workspaceId)).map((t) => ({
      id: t.id, name: t.name, prefix: t.prefix, role: t.role, createdAt: t.created_at.toISOString(), expiresAt: t.expires_at?.toISOString() ?? null,
      lastUsedAt: t.last_used_at?.toISOString() ?? null, revokedAt: t.revoked_at?.toISOString() ?? null })) }));

  defineRoute(app, { method: 'POST', url: '/api/v1/tokens', summary: 'Create an API token; the secret is in this answer only', tags: ['tokens'], role: 'admin', status: 201,
    body: knownFields({ name: z.string().trim().min(1).max(100), role: z.enum(roles).default('editor'), expiresAt: z.iso.datetime({ offset: true }).optional() }) },
  async ({ body, auth, request }) => {
    const t = await createApiToken({ db: deps.db, workspaceId: auth.workspaceId, name: body.name, role: body.role, creatorRole: auth.role, createdBy: auth.userId ?? null,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null, actor: auth.actor, ip: request.ip, now: deps.now() });
    return { id: t.id, name: t.name, role: t.role, prefix: t.prefix, token: t.token, expiresAt: t.expires_at?.toISOString() ?? null };
  });

  defineRoute(app, { method: 'DELETE', url: '/api/v1/tokens/:id', summary: 'Revoke an API token', tags: ['tokens'], role: 'admin', params: z.object({ id: z.uuid() }) },
    async ({ params, auth, request }) => {
      const hash = await revokeApiToken(deps.db, auth.workspaceId, params.id, deps.now());
      if (!hash) throw new AppError('not_found', `token ${params.id} not found or already revoked`);
      request.server.authResolver.forget(hash);
      await recordAudit({ db: deps.db, workspaceId: auth.workspaceId, actor: auth.actor, action: 'api_token.revoke', target: { type: 'api_token', id: params.id }, ip: request.ip, at: deps.now() });
    });

  defineRoute(app, { method: 'GET', url: '/api/v1/members', summary: 'Members of this workspace and their roles', tags: ['members'], role: 'admin' },
    async ({ auth }) => ({ items: (await listMembers(deps.db, auth.workspaceId)).map((m) => ({ id: m.id, email: m.email, name: m.name, role: m.role })) }));

  defineRoute(app, { method: 'POST', url: '/api/v1/members', summary: 'Add a member (creating the user if needed); returns a one-time sign-in link', tags: ['members'], role: 'admin', status: 201,
    body: knownFields({ email: z.string().max(320), role: z.enum(roles), name: z.string().max(200).optional() }) },
  async ({ body, auth }) => {
    if (body.role === 'owner' && auth.role !== 'owner') throw new AppError('forbidden', 'only an owner makes owners');
    const existing = await findUserByEmail(deps.db, body.email.trim().toLowerCase());
    const current = existing ? await findMembership(deps.db, auth.workspaceId, existing.id) : undefined;
    if (current?.role === 'owner' && auth.role !== 'owner') throw new AppError('forbidden', 'only an owner changes an owner');
    const user = await createUser({ db: deps.db, workspaceId: auth.workspaceId, email: body.email, role: body.role, name: body.name, actor: auth.actor, now: deps.now() });
    const link = await createSignInLink({ db: deps.db, baseUrl: deps.config.baseUrl, userId: user.id, workspaceId: auth.workspaceId, now: deps.now() });
    return { id: user.id, email: user.email, role: user.role, signInUrl: link.url };
  });
}
