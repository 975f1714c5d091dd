/**
 * The person's pages, reached only through signed links: confirmation, unsubscribe (with the RFC 8058 one-click
 * endpoint), preference centre, "my data" with export and erasure, and the access page that mails a link.
 * GETs never change anything (mail scanners follow links); every POST carries the link token and, except the
 * one-click POST, a CSRF value bound to it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../server/app.js';
import { format, messagesFor } from '../i18n/messages.js';
import { checkCsrf, csrfToken } from '../security/csrf.js';
import type { VerifiedToken } from '../security/tokens.js';
import { confirmSignup } from '../forms/confirm-signup.js';
import { preferencesUrl, PUBLIC_PATHS } from './links.js';
import { bodyOf, errorPage, languageOf, preparePublicScope, publicContext, sendPage, str, tokenOrPage, type PublicContext } from './http.js';
import { renderMessage, renderPage } from './render.js';
import { findContact } from '../contacts/contacts.repository.js';
import { findList } from '../lists/lists.repository.js';
import { registerDataPages } from './data-pages.js';

export default async function publicPages(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const ctx = publicContext(app, deps);
  await preparePublicScope(app, ctx);
  const secret = deps.config.secretKey;
  const baseUrl = deps.config.baseUrl;

  // --- confirmation: GET shows one button; POST confirms (a link scanner's GET must not confirm for the person)
  app.get(PUBLIC_PATHS.confirm, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const token = await tokenOrPage(ctx, request, reply, 'confirm', q.t);
    if (!token) return reply;
    const lang = languageOf(request);
    return sendPage(reply, 200, await renderPage('confirm', lang, { title: messagesFor(lang)['confirm.title'], token: str(q.t), csrf: csrfToken({ secret, tokenId: token.tokenId }), action: PUBLIC_PATHS.confirm }));
  });

  app.post(PUBLIC_PATHS.confirm, async (request, reply) => {
    const body = bodyOf(request);
    const token = await tokenOrPage(ctx, request, reply, 'confirm', body.t);
    if (!token) return reply;
    const lang = languageOf(request);
    const t = messagesFor(lang);
    if (!csrfOk(ctx, request, token)) return errorPage(reply, lang, 403, t['error.csrf']);
    const r = await confirmSignup({ db: deps.db, token, ip: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null, now: deps.now() });
    if (!r.ok) return errorPage(reply, lang, r.error.code === 'not_found' ? 410 : 400, t['link.expiredSignup']);
    const links = [];
    if (r.value.status === 'confirmed') {
      const o = { baseUrl, secret, workspaceId: token.payload.workspaceId, contactId: r.value.contactId, now: deps.now(), lang };
      links.push({ href: preferencesUrl(o), label: t['prefs.title'] });
    }
    const body2 = r.value.status === 'confirmed' ? t['confirm.done'] : t['confirm.already'];
    return sendPage(reply, 200, await renderMessage(lang, { title: t['confirm.title'], body: body2, tone: 'ok', links }));
  });

  // --- unsubscribe page (the visible link in every mail)
  app.get(PUBLIC_PATHS.unsubscribe, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const token = await tokenOrPage(ctx, request, reply, 'unsubscribe', q.t);
    if (!token) return reply;
    return unsubscribePage(ctx, request, reply, token, { oneClick: false, rawToken: str(q.t)! });
  });

  app.post(PUBLIC_PATHS.unsubscribe, async (request, reply) => {
    const body = bodyOf(request);
    const token = await tokenOrPage(ctx, request, reply, 'unsubscribe', body.t);
    if (!token) return reply;
    const lang = languageOf(request);
    if (!csrfOk(ctx, request, token)) return errorPage(reply, lang, 403, messagesFor(lang)['error.csrf']);
    return doUnsubscribe(ctx, request, reply, token, 'unsubscribe_page');
  });

  // --- RFC 8058 one-click: the List-Unsubscribe URI. POST unsubscribes at once, with no redirect and no cookie.
  // A wildcard, not a parameter: tokens are longer than the router's parameter limit.
  app.get<{ Params: { '*': string } }>(`${PUBLIC_PATHS.oneClickUnsubscribe}/*`, async (request, reply) => {
    const token = await tokenOrPage(ctx, request, reply, 'one-click-unsubscribe', request.params['*']);
    if (!token) return reply;
    return unsubscribePage(ctx, request, reply, token, { oneClick: true, rawToken: request.params['*'] });
  });

  app.post<{ Params: { '*': string } }>(`${PUBLIC_PATHS.oneClickUnsubscribe}/*`, { bodyLimit: 16 * 1024 }, async (request, reply) => {
    const token = await tokenOrPage(ctx, request, reply, 'one-click-unsubscribe', request.params['*']);
    if (!token) return reply;
    const lang = languageOf(request);
    if (str(bodyOf(request)['List-Unsubscribe']) !== 'One-Click') {
      return errorPage(reply, lang, 400, 'Expected the body List-Unsubscribe=One-Click (RFC 8058).');
    }
    return doUnsubscribe(ctx, request, reply, token, 'one_click');
  });

  registerDataPages(app, ctx);
}

function csrfOk(ctx: PublicContext, request: FastifyRequest, token: VerifiedToken): boolean {
  return checkCsrf({ secret: ctx.deps.config.secretKey, tokenId: token.tokenId, given: str(bodyOf(request).csrf), origin: request.headers.origin, baseUrl: ctx.deps.config.baseUrl });
}

async function unsubscribePage(ctx: PublicContext, request: FastifyRequest, reply: FastifyReply, token: VerifiedToken, o: { oneClick: boolean; rawToken: string }) {
  const lang = languageOf(request);
  const t = messagesFor(lang);
  const { workspaceId, contactId, listId } = token.payload;
  const contact = contactId ? await findContact(ctx.deps.db, workspaceId, contactId) : undefined;
  if (!contact) return errorPage(reply, lang, 404, t['link.invalid']);
  const list = listId ? await findList(ctx.deps.db, workspaceId, listId) : undefined;
  const question = list ? format(t['unsub.questionList'], { list: list.name, email: contact.email ?? '' }) : format(t['unsub.questionAll'], { email: contact.email ?? '' });
  const action = o.oneClick ? `${PUBLIC_PATHS.oneClickUnsubscribe}/${o.rawToken}` : PUBLIC_PATHS.unsubscribe;
  const preferencesHref = preferencesUrl({ baseUrl: ctx.deps.config.baseUrl, secret: ctx.deps.config.secretKey, workspaceId, contactId: contact.id, now: ctx.deps.now(), lang });
  return sendPage(reply, 200, await renderPage('unsubscribe', lang, {
    title: t['unsub.title'], question, action, oneClick: o.oneClick, token: o.rawToken, csrf: csrfToken({ secret: ctx.deps.config.secretKey, tokenId: token.tokenId }), preferencesHref,
  }));
}

async function doUnsubscribe(ctx: PublicContext, request: FastifyRequest, reply: FastifyReply, token: VerifiedToken, method: 'one_click' | 'unsubscribe_page') {
  const { workspaceId, contactId, listId, campaignId, sendId } = token.payload;
  const lang = languageOf(request);
  const t = messagesFor(lang);
  if (!contactId) return errorPage(reply, lang, 400, t['link.invalid']);
  // An erased contact is, in effect, unsubscribed: the answer is the same whether or not it was found.
  await ctx.unsubscribe({ workspaceId, contactId, listId, campaignId, sendId, method, now: ctx.deps.now() });
  if (method === 'one_click') return reply.status(200).type('text/plain; charset=utf-8').send('Unsubscribed.\n');
  return sendPage(reply, 200, await renderMessage(lang, { title: t['unsub.title'], body: t['unsub.done'], tone: 'ok' }));
}
