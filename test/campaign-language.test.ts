// A campaign's language through HTTP: stored and returned, refused when unknown, and a French campaign sent to a
// real SMTP server on loopback arrives with its footer in French (both parts) and links that open French pages.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ParsedMail } from 'mailparser';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { caller, testWorkspace, type Call, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { someContacts } from './send-support.js';

const baseUrl = 'https://lists.shop.example';
// The postal address differs from the registered one, so the footer prints it with its label.
const profile = {
  company: 'Boutique SAS', address: '1 rue de la Paix, 75002 Paris', registration: 'RCS Paris 123 456 789', representative: 'Jeanne Martin',
  postalAddress: 'BP 42, 75001 Paris Cedex', contactEmail: 'contact@shop.example', domains: ['shop.example'], returnPathDomain: 'bounces.shop.example',
};
const draft = (listId: string, extra: object = {}) => ({
  name: 'Soldes', purpose: 'marketing', listIds: [listId], fromName: 'Boutique', fromAddress: 'news@shop.example',
  subject: 'Bonjour {{ contact.first_name }}', html: '<p>Les soldes commencent.</p>', ...extra,
});
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const NBSP = '\u00a0';

forEachDatabase('campaign language', (t) => {
  let app: FastifyInstance;
  let sink: SmtpSink;
  let ws: TestWorkspace;
  let call: Call;
  let listId: string;
  const config = testConfig({ baseUrl });

  before(async () => {
    app = await buildApp({ db: t.db, config, logger: false, tokenCacheMs: 0 });
    sink = await startSmtpSink();
    ws = await testWorkspace(t.db, 'Boutique');
    call = caller(app, ws.tokens.editor);
    assert.equal((await caller(app, ws.tokens.admin)('PUT', '/api/v1/sender-profile', profile)).status, 200);
    listId = (await t.db.insertInto('lists').values({ workspace_id: ws.id, name: 'Lettre' }).returning('id').executeTakeFirstOrThrow()).id;
  });
  after(async () => { await app.close(); await sink.close(); });

  it('stores the language in its column and returns it; English by default; an unknown language is a 400 naming the field', async () => {
    const plain = await call('POST', '/api/v1/campaigns', draft(listId));
    assert.equal(plain.status, 201);
    assert.equal(plain.body.language, 'en');

    const created = await call('POST', '/api/v1/campaigns', draft(listId, { language: 'fr' }));
    assert.equal(created.status, 201);
    assert.equal(created.body.language, 'fr');
    const id = created.body.id;
    assert.equal((await call('GET', `/api/v1/campaigns/${id}`)).body.language, 'fr');
    const row = await t.db.selectFrom('campaigns').select('language').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.language, 'fr');

    const updated = await call('PUT', `/api/v1/campaigns/${id}`, draft(listId, { language: 'de' }));
    assert.equal(updated.status, 200);
    assert.equal(updated.body.language, 'de');
    assert.equal((await t.db.selectFrom('campaigns').select('language').where('id', '=', id).executeTakeFirstOrThrow()).language, 'de');
    assert.equal((await call('GET', '/api/v1/campaigns')).body.items.find((c: { id: string }) => c.id === id).language, 'de');

    for (const [method, url] of [['POST', '/api/v1/campaigns'], ['PUT', `/api/v1/campaigns/${id}`]]) {
      const refused = await call(method, url, draft(listId, { language: 'es' }));
      assert.equal(refused.status, 400, `${method} ${url}`);
      assert.deepEqual(refused.body.error.issues.map((i: { path: string }) => i.path), ['body.language']);
    }
    assert.equal((await call('GET', `/api/v1/campaigns/${id}`)).body.language, 'de', 'a refused update changes nothing');

    // A row as it was before migration 0332 wrote the language: the column's default, English.
    const old = await t.db.insertInto('campaigns').values({ workspace_id: ws.id, name: 'Old', definition: JSON.stringify({ ...draft(listId), channel: 'email' }) })
      .returning('id').executeTakeFirstOrThrow();
    assert.equal((await call('GET', `/api/v1/campaigns/${old.id}`)).body.language, 'en');
  });

  it('the OpenAPI document lists the language and its values', async () => {
    const doc = JSON.parse((await app.inject({ url: '/api/v1/openapi.json' })).body);
    const text = JSON.stringify(doc.paths['/api/v1/campaigns'].post);
    assert.match(text, /"language":\{[^}]*"enum":\["en","fr","de"\]/);
  });

  it('a French campaign arrives with a French footer in both parts, and its links open French pages', async () => {
    const [contactId] = await someContacts(t.db, { workspaceId: ws.id, listId }, [{ email: 'chloe@example.fr', fields: { first_name: 'Chloé' } }]);
    const created = await call('POST', '/api/v1/campaigns', draft(listId, { name: 'Soldes FR', language: 'fr' }));
    assert.equal(created.status, 201);
    const id = created.body.id;
    const check = await call('POST', `/api/v1/campaigns/${id}/check`);
    assert.equal(check.body.ok, true, JSON.stringify(check.body.failures));
    assert.equal((await call('POST', `/api/v1/campaigns/${id}/send`, { acknowledge: true })).status, 202);

    const worker = startSendWorker({ db: t.db, workerId: 'lang-test', smtp: { host: sink.host, port: sink.port }, connections: 1, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret: config.secretKey, baseUrl }, { loop: false });
    while ((await worker.runOnce()) > 0);
    await worker.stop();
    const index = sink.messages.findIndex((m) => m.to[0] === 'chloe@example.fr');
    assert.ok(index >= 0, 'the message arrived');
    const mail: ParsedMail = await sink.parse(index);
    const html = mail.html || '';
    const text = mail.text || '';
    assert.equal(mail.subject, 'Bonjour Chloé');

    // Text part: the labels, then the links, each on its own line.
    const unsubscribe = new RegExp(`^Se désinscrire${NBSP}: (https://lists\\.shop\\.example/p/unsubscribe\\?t=[\\w.-]+&lang=fr)$`, 'm').exec(text);
    const preferences = new RegExp(`^Gérer mes préférences${NBSP}: (https://lists\\.shop\\.example/p/preferences\\?t=[\\w.-]+&lang=fr)$`, 'm').exec(text);
    assert.ok(unsubscribe, text);
    assert.ok(preferences, text);
    assert.match(text, new RegExp(`Boutique SAS · 1 rue de la Paix, 75002 Paris · Immatriculation${NBSP}: RCS Paris 123 456 789 · Représentée par Jeanne Martin`));
    assert.match(text, new RegExp(`^Adresse postale${NBSP}: BP 42, 75001 Paris Cedex$`, 'm'));
    // HTML part: the same texts, the links escaped as attributes.
    assert.ok(html.includes(`<a href="${unsubscribe[1].replace(/&/g, '&amp;')}">Se désinscrire</a>`), html);
    assert.ok(html.includes(`<a href="${preferences[1].replace(/&/g, '&amp;')}">Gérer mes préférences</a>`), html);
    assert.ok(html.includes(`Immatriculation${NBSP}: RCS Paris 123 456 789 · Représentée par Jeanne Martin`), html);
    assert.ok(html.includes(`Adresse postale${NBSP}: BP 42, 75001 Paris Cedex`), html);
    for (const part of [html, text]) {
      assert.doesNotMatch(part, /Unsubscribe|Manage preferences|Registration|Represented by|Postal address/, 'no English left');
    }

    // The links open their pages in French, even for a browser that asks for English.
    const page = async (url: string) => app.inject({ url: new URL(url).pathname + new URL(url).search, headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    const unsubPage = await page(unsubscribe[1]);
    assert.equal(unsubPage.statusCode, 200);
    assert.match(unsubPage.body, /<html lang="fr">/);
    assert.match(unsubPage.body, /<title>Se désinscrire<\/title>/);
    assert.match(unsubPage.body, /<input type="hidden" name="lang" value="fr">/, 'its form keeps the language');
    const prefsPage = await page(preferences[1]);
    assert.equal(prefsPage.statusCode, 200);
    assert.match(prefsPage.body, /<title>Vos préférences d’e-mail<\/title>/);

    // The RFC 8058 one-click URI carries no page language and still unsubscribes at once.
    const listUnsubscribe = mail.headerLines.find((h) => h.key === 'list-unsubscribe')!.line;
    const oneClick = /<(https:\/\/lists\.shop\.example\/u\/[\w.-]+)>/.exec(listUnsubscribe)![1];
    const res = await app.inject({ method: 'POST', url: new URL(oneClick).pathname, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    assert.equal(res.statusCode, 200);
    const suppressed = await t.db.selectFrom('suppressions').select('reason').where('contact_id', '=', contactId).execute();
    assert.deepEqual(suppressed.map((s) => s.reason), ['unsubscribe']);
  });

  it('a German campaign arrives with a German footer; an English one keeps the English footer and links without lang', async () => {
    const before = sink.messages.length;
    await someContacts(t.db, { workspaceId: ws.id, listId }, [{ email: 'jonas@example.de' }]);
    const ids: string[] = [];
    for (const language of ['de', 'en']) {
      const created = await call('POST', '/api/v1/campaigns', draft(listId, { name: `Sale ${language}`, language }));
      ids.push(created.body.id);
      assert.equal((await call('POST', `/api/v1/campaigns/${created.body.id}/send`, { acknowledge: true })).status, 202);
      const worker = startSendWorker({ db: t.db, workerId: `lang-${language}`, smtp: { host: sink.host, port: sink.port }, connections: 1, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret: config.secretKey, baseUrl }, { loop: false });
      while ((await worker.runOnce()) > 0);
      await worker.stop();
    }
    const received = sink.messages.map((m, i) => ({ m, i })).slice(before).filter((x) => x.m.to[0] === 'jonas@example.de');
    assert.equal(received.length, 2);
    const [de, en] = await Promise.all(received.map((x) => sink.parse(x.i)));
    const byCampaign = (m: ParsedMail) => m.headerLines.find((h) => h.key === 'feedback-id')!.line;
    assert.ok(byCampaign(de).includes(ids[0]) && byCampaign(en).includes(ids[1]), 'sent in order');

    assert.match(de.text || '', /^Abmelden: https:\/\/lists\.shop\.example\/p\/unsubscribe\?t=[\w.-]+&lang=de$/m);
    assert.match(de.text || '', /^Einstellungen verwalten: https:\/\/lists\.shop\.example\/p\/preferences\?t=[\w.-]+&lang=de$/m);
    assert.match(de.text || '', /Registereintrag: RCS Paris 123 456 789 · Vertreten durch Jeanne Martin/);
    assert.match(de.text || '', /^Postanschrift: BP 42, 75001 Paris Cedex$/m);
    assert.match(de.html || '', /&amp;lang=de">Abmelden<\/a>/);
    assert.match(de.html || '', /&amp;lang=de">Einstellungen verwalten<\/a>/);

    assert.match(en.text || '', /^Unsubscribe: https:\/\/lists\.shop\.example\/p\/unsubscribe\?t=[\w.-]+$/m);
    assert.match(en.text || '', /^Manage preferences: https:\/\/lists\.shop\.example\/p\/preferences\?t=[\w.-]+$/m);
    assert.match(en.text || '', /Registration: RCS Paris 123 456 789 · Represented by Jeanne Martin/);
    assert.match(en.text || '', /^Postal address: BP 42, 75001 Paris Cedex$/m);
    assert.ok(!(en.html || '').includes('lang='), 'English links carry no page language');
  });
});
