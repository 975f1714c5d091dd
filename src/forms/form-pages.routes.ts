/**
 * The hosted sign-up form: `GET /f/:publicId` shows it, `POST /f/:publicId` signs up (a plain form POST; the
 * embeddable snippet posts here too). The answer is the same whether or not the address is already known.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../server/app.js';
import { format, messagesFor, type MessageKey } from '../i18n/messages.js';
import type { Language } from '../i18n/language.js';
import { PUBLIC_PATHS } from '../public/links.js';
import { bodyOf, errorPage, languageOf, preparePublicScope, publicContext, sendPage, str, strs, type PublicContext } from '../public/http.js';
import { renderMessage, renderPage } from '../public/render.js';
import { getPublishedForm } from './get-published-form.js';
import { createFormCache } from './form-cache.js';
import { parseSubmission } from './parse-submission.js';
import { signupRow, submitSignups } from './submit-signup.js';
import type { SignupUpsert } from './forms.repository.js';
import { createBatcher } from '../public/batcher.js';
import { scheduleFormsMaintenance } from './forms-jobs.js';
import type { PublishedForm } from './form-definition.js';

export default async function formPages(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const ctx = publicContext(app, deps);
  await preparePublicScope(app, ctx);
  // The POST path reads the form on every request; the GET page always reads it fresh.
  const formCache = createFormCache({ ttlMs: 10_000 });
  // Concurrent sign-ups share one statement and one commit.
  const signupBatcher = createBatcher<SignupUpsert, { signupId: string; queued: boolean }>({ run: (rows) => submitSignups({ db: deps.db, rows, now: deps.now() }) });
  // The worker runs the maintenance chain; make sure one link of it is queued whenever the server starts.
  app.addHook('onReady', async () => {
    await scheduleFormsMaintenance({ db: deps.db, now: deps.now() }).catch((err) => app.log.warn({ err: (err as Error).message }, 'forms maintenance not scheduled'));
  });

  app.get<{ Params: { publicId: string } }>(`${PUBLIC_PATHS.form}/:publicId`, async (request, reply) => {
    const form = await getPublishedForm({ db: deps.db, publicId: request.params.publicId });
    const lang = languageOf(request, form?.defaultLanguage);
    if (!form) return errorPage(reply, lang, 404, messagesFor(lang)['link.invalid']);
    if (form.lists.length === 0) return errorPage(reply, lang, 410, FORM_CLOSED[lang]);
    return showForm(reply, form, lang, 200, [], {});
  });

  app.post<{ Params: { publicId: string } }>(`${PUBLIC_PATHS.form}/:publicId`, { bodyLimit: 64 * 1024 }, async (request, reply) => {
    const body = bodyOf(request);
    const v = Number(str(body.v));
    const version = Number.isInteger(v) && v >= 1 ? v : undefined;
    const publicId = request.params.publicId;
    const form = await formCache.get(`${publicId}@${version ?? 'current'}`, deps.now(), () => getPublishedForm({ db: deps.db, publicId, version }));
    const lang = languageOf(request, form?.defaultLanguage);
    const t = messagesFor(lang);
    if (!form) return errorPage(reply, lang, 404, t['link.invalid']);
    if (form.lists.length === 0) return errorPage(reply, lang, 410, FORM_CLOSED[lang]);
    const now = deps.now();

    if (!ctx.limiters.signupPerIp.hit(`ip:${request.ip}`, now).allowed) return tooMany(reply, lang);
    const parsed = parseSubmission(form, body);
    // A bot that filled the trap gets the same answer as a person, and nothing is stored or sent.
    if (parsed.kind === 'bot') return done(reply, lang);
    if (parsed.kind === 'invalid') {
      const messages = parsed.errors.map((e) => errorText(t, e.key, e.field, form, lang));
      return showForm(reply, form, lang, 400, messages, valuesOf(body));
    }
    if (!ctx.limiters.signupPerAddress.hit(`addr:${form.workspaceId}:${parsed.request.email.toLowerCase()}`, now).allowed) return tooMany(reply, lang);
    if (form.captcha && !(await captchaPasses(ctx, request, form, body))) {
      return showForm(reply, form, lang, 400, [t['form.error.captcha']], valuesOf(body));
    }
    const row = signupRow({
      form, request: parsed.request, language: lang, now,
      evidence: { ip: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null, referrer: request.headers.referer ?? null },
    });
    if (!row.ok) return showForm(reply, form, lang, 400, [t['form.error.email']], valuesOf(body));
    const stored = await signupBatcher.submit(row.value);
    if (stored.queued) ctx.kickConfirmations();
    return done(reply, lang);
  });
}

async function showForm(reply: FastifyReply, form: PublishedForm, lang: Language, status: number, errors: string[], values: Record<string, unknown>) {
  const wording = form.wording[lang];
  const html = await renderPage('form', lang, {
    title: stripTags(wording.title), form, wording, errors, values, action: `${PUBLIC_PATHS.form}/${form.publicId}?lang=${lang}`,
  });
  return sendPage(reply, status, html);
}

async function done(reply: FastifyReply, lang: Language) {
  const t = messagesFor(lang);
  return sendPage(reply, 200, await renderMessage(lang, { title: t['signup.title'], body: t['signup.body'], tone: 'ok' }));
}

async function tooMany(reply: FastifyReply, lang: Language) {
  reply.header('Retry-After', '600');
  return errorPage(reply, lang, 429, messagesFor(lang)['form.error.rate']);
}

async function captchaPasses(ctx: PublicContext, request: FastifyRequest, form: PublishedForm, body: Record<string, unknown>): Promise<boolean> {
  // A form that asks for a captcha with no verifier configured refuses rather than silently skipping the check.
  if (!ctx.options.captcha) return false;
  try {
    return await ctx.options.captcha({ token: str(body.captcha_token) ?? '', ip: request.ip, formId: form.id });
  } catch {
    return false;
  }
}

function errorText(t: ReturnType<typeof messagesFor>, key: MessageKey, field: string | undefined, form: PublishedForm, lang: Language): string {
  if (key !== 'form.error.field' || !field) return t[key];
  const f = form.fields.find((x) => `field_${x.key}` === field);
  return format(t[key], { field: f ? f.label[lang] : field });
}

function valuesOf(body: Record<string, unknown>) {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (k.startsWith('field_')) fields[k.slice(6)] = str(v) ?? '';
  return { email: str(body.email) ?? '', fields, lists: strs(body.list) };
}

function stripTags(s: string): string {
  return s.replace(/<[^>]*>/g, '');
}

// Every list the form offered was deleted: there is nothing left to sign up for, and the visitor is told so.
const FORM_CLOSED: Record<Language, string> = {
  en: 'This sign-up form is closed: the lists it offered no longer exist.',
  fr: 'Ce formulaire d’inscription est fermé : les listes qu’il proposait n’existent plus.',
  de: 'Dieses Anmeldeformular ist geschlossen: Die angebotenen Listen gibt es nicht mehr.',
};
