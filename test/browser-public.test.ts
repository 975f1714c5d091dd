// A real browser (playwright-core driving Debian's Chromium) goes through the public pages as a person would:
// fills the hosted form, reads the confirmation mail from a loopback SMTP server, follows the link, confirms,
// changes preferences, unsubscribes. Then every public page is captured in English, French and German
// under test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApiToken } from '../src/auth/create-api-token.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { myDataUrl, oneClickUnsubscribeUrl } from '../src/public/links.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import type { FastifyInstance } from 'fastify';
import { openTestDatabase, type TestDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { wording } from './public-fixture.js';

const SHOTS = 'test-artifacts/screenshots';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

describe('public pages in a real browser', () => {
  let tdb: TestDatabase;
  let sink: SmtpSink;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let auth: string;
  let publicId: string;
  let workspace: { id: string; slug: string };
  let contactId: string;
  const secret = 'test-secret-key-0123456789abcdef0123456789';

  const shot = async (page: Page, lang: string, name: string) => {
    await page.screenshot({ path: `${SHOTS}/${lang}-${name}.png`, fullPage: true });
  };
  const mailTo = async (address: string, from: number) => {
    await sink.waitFor(from + 1);
    const i = sink.messages.findIndex((m, k) => k >= from && m.to.includes(address));
    return (await sink.parse(i)).text!;
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    tdb = await openTestDatabase('pglite');
    sink = await startSmtpSink();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await buildApp({ db: tdb.db, config: testConfig({ baseUrl: base, smtp: { transport: 'smtp', host: sink.host, port: sink.port } }), logger: false });
    await app.listen({ port, host: '127.0.0.1' });
    const now = new Date();
    const ws = await createWorkspace({ db: tdb.db, name: 'Boulangerie', actor: { type: 'system', id: null }, now });
    workspace = { id: ws.id, slug: ws.slug };
    auth = `Bearer ${(await createApiToken({ db: tdb.db, workspaceId: ws.id, name: 'b', role: 'admin', actor: { type: 'system', id: null }, now })).token}`;
    const lists = [];
    for (const name of ['Weekly news', 'Offers']) lists.push(await tdb.db.insertInto('lists').values({ workspace_id: ws.id, name }).returning('id').executeTakeFirstOrThrow());
    const res = await fetch(`${base}/api/v1/forms`, {
      method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Newsletter', listIds: lists.map((l) => l.id), channels: ['email'], defaultCountry: 'FR', privacyUrl: 'https://example.org/privacy', wording: wording(), fields: [{ key: 'first_name', label: { en: 'First name', fr: 'Prénom', de: 'Vorname' }, required: false }] }),
    });
    assert.equal(res.status, 201);
    publicId = ((await res.json()) as { publicId: string }).publicId;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await sink?.close();
    await tdb?.cleanup();
  });

  it('signs up, confirms from the mail, changes preferences and unsubscribes', async () => {
    const page = await browser.newPage({ locale: 'en-GB' });
    await page.goto(`${base}/f/${publicId}`);
    await page.fill('input[name=email]', 'marie@example.com');
    await page.fill('input[name=field_first_name]', 'Marie');
    await page.check('label:has-text("Weekly news") input[name=list]');
    await page.check('input[name=consent_email]');
    const n = sink.count();
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Check your inbox');

    const text = await mailTo('marie@example.com', n);
    const link = text.match(/http\S+\/p\/confirm\S+/)![0];
    await page.goto(link);
    assert.equal(await tdb.db.selectFrom('contacts').select('id').executeTakeFirst(), undefined, 'opening the link alone confirms nothing');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=your subscription is confirmed');
    const contact = await tdb.db.selectFrom('contacts').select('id').where('email', '=', 'marie@example.com').executeTakeFirstOrThrow();
    contactId = contact.id;

    await page.click('text=Your email preferences');
    await page.waitForSelector('h1:has-text("Your email preferences")');
    await page.check('label:has-text("Offers") input[name=list]');
    await page.uncheck('label:has-text("Weekly news") input[name=list]');
    await page.check('input[name=frequency][value=monthly]');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Your preferences are saved.');
    const lists = await tdb.db.selectFrom('list_memberships').innerJoin('lists', 'lists.id', 'list_memberships.list_id').select('lists.name').where('contact_id', '=', contactId).execute();
    assert.deepEqual(lists.map((l) => l.name), ['Offers']);

    await page.click('text=Unsubscribe from everything');
    await page.waitForSelector('button:has-text("Unsubscribe")');
    const before = await tdb.db.selectFrom('suppressions').select('id').where('contact_id', '=', contactId).execute();
    assert.equal(before.length, 0, 'showing the unsubscribe page changes nothing');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=You are unsubscribed');
    const after = await tdb.db.selectFrom('suppressions').select(['reason', 'lifted_at']).where('contact_id', '=', contactId).execute();
    assert.deepEqual(after, [{ reason: 'unsubscribe', lifted_at: null }]);
    await page.close();
  });

  it('captures every public page in English, French and German', async () => {
    for (const lang of ['en', 'fr', 'de']) {
      const page = await browser.newPage({ locale: lang });
      const q = `lang=${lang}`;
      await page.goto(`${base}/f/${publicId}?${q}`);
      await shot(page, lang, '01-form');
      await page.click('button[type=submit]'); // browser validation stops an empty form; submit with data instead
      await page.fill('input[name=email]', `shot-${lang}@example.com`);
      await page.check('input[name=list] >> nth=0');
      await page.check('input[name=consent_email]');
      const n = sink.count();
      await page.click('button[type=submit]');
      await page.waitForSelector('p.ok');
      await shot(page, lang, '02-check-inbox');
      const link = (await mailTo(`shot-${lang}@example.com`, n)).match(/http\S+\/p\/confirm\S+/)![0];
      await page.goto(link);
      await shot(page, lang, '03-confirm');
      await page.click('button[type=submit]');
      await page.waitForSelector('p.ok');
      await shot(page, lang, '04-confirmed');
      const id = (await tdb.db.selectFrom('contacts').select('id').where('email', '=', `shot-${lang}@example.com`).executeTakeFirstOrThrow()).id;
      const o = { baseUrl: base, secret, workspaceId: workspace.id, contactId: id, now: new Date(), lang };
      await page.click('a'); // the preference centre link on the confirmation page
      await page.waitForSelector('input[name=frequency]');
      await shot(page, lang, '05-preferences');
      await page.goto(myDataUrl(o));
      await shot(page, lang, '06-my-data');
      await page.goto(`${oneClickUnsubscribeUrl(o)}?${q}`);
      await shot(page, lang, '07-one-click-page');
      await page.goto(`${base}/p/unsubscribe?t=bad&${q}`);
      await shot(page, lang, '08-invalid-link');
      await page.goto(`${base}/p/access/${workspace.slug}?${q}`);
      await shot(page, lang, '09-access');
      await page.fill('input[name=email]', `shot-${lang}@example.com`);
      await page.click('button[type=submit]');
      await page.waitForSelector('p.ok');
      await shot(page, lang, '10-access-sent');
      await page.goto(myDataUrl(o));
      await page.click('a:has-text("preferences"), a:has-text("préférences"), a:has-text("Einstellungen")');
      await page.waitForSelector('input[name=frequency]');
      await page.click('a[href*="/p/unsubscribe"]');
      await page.waitForSelector('button[type=submit]');
      await shot(page, lang, '11-unsubscribe');
      await page.click('button[type=submit]');
      await page.waitForSelector('p.ok');
      await shot(page, lang, '12-unsubscribed');
      await page.goto(myDataUrl(o));
      await page.check('input[name=confirm]');
      await page.click('button.danger');
      await page.waitForSelector('p.ok');
      await shot(page, lang, '13-erased');
      assert.equal(await tdb.db.selectFrom('contacts').select('id').where('id', '=', id).executeTakeFirst(), undefined);
      await page.close();
    }
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ authorization: auth });
    await page.goto(`${base}/api/v1/contacts/${contactId}/evidence?format=html`);
    await page.waitForSelector('text=matches the stored wording');
    await shot(page, 'en', '14-evidence');
    await page.close();
  });
});
