/**
 * What the public routes share: plain form-POST parsing, security headers, the page language, token checks
 * that answer with a page, the mail sender and rate limiters of this app instance, and the captcha hook.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../server/app.js';
import { pickLanguage, type Language } from '../i18n/language.js';
import { messagesFor } from '../i18n/messages.js';
import { mailSenderFromConfig, type MailSender } from '../mail/mail-sender.js';
import { createRateLimiter, type RateLimiter } from '../security/rate-limit.js';
import { verify, type TokenPurpose, type VerifiedToken } from '../security/tokens.js';
import { sendDueConfirmations } from '../forms/send-confirmations.js';
import { renderMessage } from './render.js';
import { createBatcher } from './batcher.js';
import { unsubscribeContacts, type UnsubscribeRequest } from './unsubscribe-contact.js';

/** Decides whether a captcha answer is good; the operator plugs one in (hCaptcha, Friendly Captcha, …). */
export type CaptchaVerifier = (input: { token: string; ip: string; formId: string }) => Promise<boolean>;

export type RateLimitSettings = { limit: number; windowMs: number };
export type PublicOptions = {
  signupPerIp: RateLimitSettings;
  signupPerAddress: RateLimitSettings;
  accessPerIp: RateLimitSettings;
  accessPerAddress: RateLimitSettings;
  captcha?: CaptchaVerifier;
  /** Replaces the configured mail sender (tests and benches). */
  mailSender?: MailSender;
};

const MINUTE = 60_000;
export const DEFAULT_PUBLIC_OPTIONS: PublicOptions = {
  signupPerIp: { limit: 30, windowMs: 10 * MINUTE },
  signupPerAddress: { limit: 5, windowMs: 60 * MINUTE },
  accessPerIp: { limit: 10, windowMs: 10 * MINUTE },
  accessPerAddress: { limit: 3, windowMs: 60 * MINUTE },
};

export type PublicContext = {
  deps: AppDeps;
  options: PublicOptions;
  mailSender: MailSender;
  limiters: Record<'signupPerIp' | 'signupPerAddress' | 'accessPerIp' | 'accessPerAddress', RateLimiter>;
  /** Sends due confirmation mails soon, without making the visitor wait for SMTP. */
  kickConfirmations(): void;
  /** Resolves when no confirmation round is running (tests, shutdown). */
  idle(): Promise<void>;
  /** Unsubscribes with group commit; resolves once committed, with whether the contact exists. */
  unsubscribe(request: UnsubscribeRequest): Promise<boolean>;
};

const contexts = new WeakMap<AppDeps, PublicContext>();
const overrides = new WeakMap<AppDeps, Partial<PublicOptions>>();

/** Changes the public pages' options of one app (tests and benches; call before its first request). */
export function configurePublic(deps: AppDeps, options: Partial<PublicOptions>): void {
  overrides.set(deps, { ...(overrides.get(deps) ?? {}), ...options });
  const ctx = contexts.get(deps);
  if (!ctx) return;
  ctx.options = { ...DEFAULT_PUBLIC_OPTIONS, ...(overrides.get(deps) ?? {}) };
  ctx.limiters = limitersFor(ctx.options);
  if (options.mailSender) ctx.mailSender = options.mailSender;
}

function limitersFor(o: PublicOptions): PublicContext['limiters'] {
  return {
    signupPerIp: createRateLimiter(o.signupPerIp), signupPerAddress: createRateLimiter(o.signupPerAddress),
    accessPerIp: createRateLimiter(o.accessPerIp), accessPerAddress: createRateLimiter(o.accessPerAddress),
  };
}

export function publicContext(app: FastifyInstance, deps: AppDeps): PublicContext {
  const existing = contexts.get(deps);
  if (existing) return existing;
  const options = { ...DEFAULT_PUBLIC_OPTIONS, ...(overrides.get(deps) ?? {}) };
  const { config } = deps;
  const mailSender = options.mailSender ?? mailSenderFromConfig(config, (line) => app.log.info(line));
  const unsubscribeBatcher = createBatcher<UnsubscribeRequest, boolean>({ run: (requests) => unsubscribeContacts({ db: deps.db, requests }) });
  let running: Promise<void> | undefined;
  let again = false;
  // Keeps claiming until nothing is due, so a burst of sign-ups is mailed at once, not at the next job run.
  const round = async (): Promise<void> => {
    for (;;) {
      again = false;
      const r = await sendDueConfirmations({ db: deps.db, mailSender: ctx.mailSender, secret: config.secretKey, baseUrl: config.baseUrl, now: deps.now() });
      if (r.sent + r.failed === 0 && !again) break;
    }
  };
  const ctx: PublicContext = {
    deps, options, mailSender,
    limiters: limitersFor(options),
    kickConfirmations() {
      if (running) { again = true; return; }
      running = round().catch((err) => app.log.warn({ err: (err as Error).message }, 'confirmation mails not sent; the maintenance job retries')).finally(() => { running = undefined; });
    },
    async idle() { while (running) await running; },
    unsubscribe: (request) => unsubscribeBatcher.submit(request),
  };
  contexts.set(deps, ctx);
  return ctx;
}

/** Adds form-POST parsing (urlencoded and multipart, as RFC 8058 allows both) and security headers to a scope. */
export async function preparePublicScope(app: FastifyInstance, ctx: PublicContext): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(body as string)) {
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      done(null, out);
    });
  }
  if (!app.hasContentTypeParser('multipart/form-data')) {
    await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: 1, files: 0, fields: 50, fieldSize: 8 * 1024 } });
  }
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    reply.header('X-Content-Type-Options', 'nosniff');
    // same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on our own form POSTs.
    reply.header('Referrer-Policy', 'same-origin');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Cache-Control', 'no-store');
    return payload;
  });
  app.addHook('onClose', async () => { await ctx.idle(); await ctx.mailSender.close(); });
}

export type Body = Record<string, unknown>;
export function bodyOf(request: FastifyRequest): Body {
  return request.body && typeof request.body === 'object' ? (request.body as Body) : {};
}
export function str(value: unknown): string | undefined {
  if (Array.isArray(value)) value = value[0];
  return typeof value === 'string' ? value : undefined;
}
export function strs(value: unknown): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string');
}

/** The language of this request: `lang` in the body or query, then Accept-Language. */
export function languageOf(request: FastifyRequest, fallback?: Language): Language {
  const q = (request.query as Record<string, unknown> | undefined)?.lang ?? bodyOf(request).lang;
  return pickLanguage({ query: str(q), acceptLanguage: request.headers['accept-language'], fallback });
}

export async function sendPage(reply: FastifyReply, status: number, html: string): Promise<FastifyReply> {
  return reply.status(status).type('text/html; charset=utf-8').send(html);
}

/** Verifies a link token; on failure answers with the right page and returns undefined. */
export async function tokenOrPage(ctx: PublicContext, request: FastifyRequest, reply: FastifyReply, purpose: TokenPurpose, token: unknown): Promise<VerifiedToken | undefined> {
  const r = verify({ secret: ctx.deps.config.secretKey, purpose, token: str(token) ?? '', now: ctx.deps.now() });
  if (r.ok) return r.value;
  const lang = languageOf(request);
  const t = messagesFor(lang);
  const expired = r.code === 'expired';
  const body = expired ? (purpose === 'confirm' ? t['link.expiredSignup'] : t['link.expired']) : t['link.invalid'];
  await sendPage(reply, expired ? 410 : 400, await renderMessage(lang, { title: t['error.title'], body, tone: 'errors' }));
  return undefined;
}

export async function errorPage(reply: FastifyReply, lang: Language, status: number, body: string): Promise<FastifyReply> {
  return sendPage(reply, status, await renderMessage(lang, { title: messagesFor(lang)['error.title'], body, tone: 'errors' }));
}
