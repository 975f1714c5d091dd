/**
 * The operator API of this feature: sign-up forms (create, read, new wording version, embed snippet), the
 * consent evidence of a contact (JSON, or a printable HTML page). Erasure by staff is `DELETE /api/v1/contacts/:id`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { AppError } from '../errors.js';
import { LANGUAGES } from '../i18n/language.js';
import { PUBLIC_PATHS } from '../public/links.js';
import { renderPage } from '../public/render.js';
import { createForm } from './create-form.js';
import { formInputSchema, formWordingSchema } from './form-definition.js';
import { findFormById, listFormVersions, listForms, type FormRow } from './forms.repository.js';
import { getEvidence } from './get-evidence.js';
import { getPublishedForm } from './get-published-form.js';
import { updateFormWording } from './update-form-wording.js';

const idParams = z.object({ id: z.string().uuid() });

export default async function formsApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const view = (f: FormRow) => ({
    id: f.id, publicId: f.public_id, name: f.name, listIds: f.list_ids, fields: f.fields, channels: f.channels,
    defaultLanguage: f.default_language, defaultCountry: f.default_country, privacyUrl: f.privacy_url, captcha: f.captcha,
    version: f.current_version, createdAt: f.created_at, hostedUrl: `${deps.config.baseUrl}${PUBLIC_PATHS.form}/${f.public_id}`,
  });

  defineRoute(app, { method: 'POST', url: '/api/v1/forms', summary: 'Create a sign-up form', tags: ['forms'], role: 'editor', body: formInputSchema, status: 201 },
    async ({ body, auth }) => {
      const r = await createForm({ db: deps.db, workspaceId: auth.workspaceId, input: body, now: deps.now() });
      if (!r.ok) throw r.error;
      return view(r.value);
    });

  defineRoute(app, { method: 'GET', url: '/api/v1/forms', summary: 'List sign-up forms', tags: ['forms'], role: 'viewer' },
    async ({ auth }) => ({ forms: (await listForms(deps.db, auth.workspaceId)).map(view) }));

  defineRoute(app, { method: 'GET', url: '/api/v1/forms/:id', summary: 'A form with every version of its wording', tags: ['forms'], role: 'viewer', params: idParams },
    async ({ params, auth }) => {
      const form = await findFormById(deps.db, auth.workspaceId, params.id);
      if (!form) throw new AppError('not_found', 'form not found');
      const versions = await listFormVersions(deps.db, auth.workspaceId, form.id);
      return { ...view(form), versions: versions.map((v) => ({ version: v.version, createdAt: v.created_at, wording: v.wording })) };
    });

  defineRoute(app, { method: 'PUT', url: '/api/v1/forms/:id/wording', summary: 'New wording version (the old one is kept)', tags: ['forms'], role: 'editor', params: idParams, body: formWordingSchema },
    async ({ params, body, auth }) => {
      const r = await updateFormWording({ db: deps.db, workspaceId: auth.workspaceId, formId: params.id, wording: body, now: deps.now() });
      if (!r.ok) throw r.error;
      return r.value;
    });

  defineRoute(app, { method: 'GET', url: '/api/v1/forms/:id/embed', summary: 'HTML snippet that posts to the hosted form, without JavaScript', tags: ['forms'], role: 'viewer', params: idParams, query: z.object({ lang: z.enum(LANGUAGES).optional() }) },
    async ({ params, query, auth }) => {
      const row = await findFormById(deps.db, auth.workspaceId, params.id);
      const form = row ? await getPublishedForm({ db: deps.db, publicId: row.public_id }) : undefined;
      if (!row || !form) throw new AppError('not_found', 'form not found');
      const lang = query.lang ?? form.defaultLanguage;
      const html = await renderPage('signupForm', lang, { form, wording: form.wording[lang], values: {}, action: `${deps.config.baseUrl}${PUBLIC_PATHS.form}/${form.publicId}?lang=${lang}` });
      return { html, hostedUrl: `${deps.config.baseUrl}${PUBLIC_PATHS.form}/${form.publicId}`, language: lang, version: form.version };
    });

  defineRoute(app, { method: 'GET', url: '/api/v1/contacts/:id/evidence', summary: 'Consent evidence of a contact (?format=html for a printable page)', tags: ['consents'], role: 'viewer', params: idParams, query: z.object({ format: z.enum(['json', 'html']).default('json'), lang: z.enum(LANGUAGES).default('en') }) },
    async ({ params, query, auth, reply }) => {
      const ev = await getEvidence({ db: deps.db, workspaceId: auth.workspaceId, contactId: params.id });
      if (!ev) throw new AppError('not_found', 'contact not found');
      if (query.format === 'json') return ev;
      const html = await renderPage('evidence', query.lang, { title: `Evidence ${ev.email ?? ev.contactId}`, ev, printedAt: deps.now().toISOString() });
      reply.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
      return reply.status(200).type('text/html; charset=utf-8').send(html);
    });
}
