/**
 * Shared setup of the public-pages tests: a workspace with lists, an editor token, the app built through
 * `buildApp` with SMTP pointed at a loopback sink, a settable clock, and a form created through the API.
 */
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { testConfig } from '../src/config.js';
import type { Db } from '../src/db/database.js';
import { buildApp } from '../src/server/app.js';
import { configurePublic, type PublicOptions } from '../src/public/http.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from './support/smtp-sink.js';

export const BASE_URL = 'http://127.0.0.1:3999';

export type Fixture = {
  app: FastifyInstance;
  sink: SmtpSink;
  clock: { now: Date };
  workspace: { id: string; slug: string };
  token: string;
  lists: { id: string; name: string }[];
  auth: { authorization: string };
  close(): Promise<void>;
};

export function wording(suffix = '') {
  const w = (lang: string, consent: string) => ({ title: `${lang} title${suffix}`, intro: `${lang} intro`, consent: { email: consent + suffix, sms: `${lang} SMS ok${suffix}` } });
  return {
    en: w('EN', 'I agree to receive the newsletter by email. <a href="https://example.org/terms">Terms</a>'),
    fr: w('FR', 'J’accepte de recevoir la newsletter par e-mail.'),
    de: w('DE', 'Ich willige ein, den Newsletter per E-Mail zu erhalten.'),
  };
}

export async function openFixture(db: Db, options: { public?: Partial<PublicOptions>; workspaceName?: string; sink?: SmtpSinkOptions } = {}): Promise<Fixture> {
  const sink = await startSmtpSink(options.sink);
  const clock = { now: new Date('2026-06-01T10:00:00Z') };
  const ws = await createWorkspace({ db, name: options.workspaceName ?? 'Bakery', actor: { type: 'system', id: null }, now: clock.now });
  const api = await createApiToken({ db, workspaceId: ws.id, name: 't', role: 'admin', actor: { type: 'system', id: null }, now: clock.now });
  const lists = [];
  for (const name of ['Weekly news', 'Offers']) {
    lists.push(await db.insertInto('lists').values({ workspace_id: ws.id, name }).returning(['id', 'name']).executeTakeFirstOrThrow());
  }
  const config = testConfig({ baseUrl: BASE_URL, smtp: { transport: 'smtp', host: sink.host, port: sink.port } });
  const app = await buildApp({ db, config, logger: false, now: () => clock.now });
  if (options.public) configurePublic(app.deps, options.public);
  return {
    app, sink, clock, workspace: { id: ws.id, slug: ws.slug }, token: api.token, lists, auth: { authorization: `Bearer ${api.token}` },
    async close() { await app.close(); await sink.close(); },
  };
}

export async function createTestForm(f: Fixture, extra: Record<string, unknown> = {}) {
  const res = await f.app.inject({
    method: 'POST', url: '/api/v1/forms', headers: f.auth,
    payload: { name: 'Newsletter', listIds: f.lists.map((l) => l.id), channels: ['email', 'sms'], defaultCountry: 'FR', privacyUrl: 'https://example.org/privacy', wording: wording(), fields: [{ key: 'first_name', label: { en: 'First name', fr: 'Prénom', de: 'Vorname' }, required: false }], ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`form not created: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; publicId: string; version: number; hostedUrl: string };
}

/** Form-encodes a body the way a browser does. */
export function formBody(fields: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** The path and query of a URL found in a mail body. */
export function linkIn(text: string, path: string): string {
  const m = text.match(new RegExp(`https?://[^\\s]+${path.replace(/\//g, '\\/')}[^\\s]*`));
  if (!m) throw new Error(`no ${path} link in: ${text}`);
  const u = new URL(m[0]);
  return u.pathname + u.search;
}

/** The value of a hidden input in a page. */
export function hidden(html: string, name: string): string {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  if (!m) throw new Error(`no hidden ${name}`);
  return m[1].replace(/&amp;/g, '&');
}

/** Signs an address up and confirms it through the HTTP interface; returns the contact id. */
export async function signUpAndConfirm(f: Fixture, form: { publicId: string }, email: string, extra: Record<string, string | string[]> = {}): Promise<string> {
  const n = f.sink.count();
  const res = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: formBody({ email, consent_email: 'yes', list: f.lists.map((l) => l.id), ...extra }) });
  if (res.statusCode !== 200) throw new Error(`sign-up: ${res.statusCode}`);
  await f.sink.waitFor(n + 1);
  const i = f.sink.messages.findIndex((m, k) => k >= n && m.to.includes(email.toLowerCase()));
  const page = await f.app.inject({ url: linkIn((await f.sink.parse(i)).text!, '/p/confirm') });
  const ok = await f.app.inject({ method: 'POST', url: '/p/confirm', headers: FORM, payload: formBody({ t: hidden(page.body, 't'), csrf: hidden(page.body, 'csrf') }) });
  if (!/confirmed/.test(ok.body)) throw new Error(`confirm: ${ok.statusCode}`);
  const { findContactByEmail } = await import('../src/contacts/contacts.repository.js');
  const contact = await findContactByEmail(f.app.deps.db, f.workspace.id, email);
  if (!contact) throw new Error('no contact after confirmation');
  return contact.id;
}
