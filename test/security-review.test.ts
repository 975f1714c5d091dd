/**
 * A security review of the routes and rendering added on 2026-11-23, through HTTP: another workspace's ids are
 * not found through the campaign preview, the campaign list's `before`, "why" by address, the access export, the
 * suppressions list and the returned-mail list, and nothing of theirs is echoed back; the export is admin-only and
 * audited, a suppression audited; the CSS of a template and a merge tag in a link cannot fetch over plain http,
 * through `image-set(`, or put a contact's value into a style or a `javascript:` link.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { caller, testWorkspace, type Call, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';

const profile = (domain: string) => ({
  company: `${domain} SAS`, address: '1 rue de la Paix, 75002 Paris', registration: 'RCS Paris 123', representative: 'Jeanne Martin',
  postalAddress: '1 rue de la Paix, 75002 Paris', contactEmail: `contact@${domain}`, domains: [domain], returnPathDomain: `bounces.${domain}`,
});

forEachDatabase('security review: tenants, roles, sanitised CSS and links', (t) => {
  let app: FastifyInstance;
  let a: TestWorkspace;
  let b: TestWorkspace;
  let asA: Call;
  let asB: Call;
  const ids = { aContact: '', bContact: '', aCampaign: '', bCampaign: '' };

  async function setUp(ws: TestWorkspace, domain: string, email: string, customFields: Record<string, string> = {}) {
    const call = caller(app, ws.tokens.admin);
    assert.equal((await call('PUT', '/api/v1/sender-profile', profile(domain))).status, 200);
    const list = (await call('POST', '/api/v1/lists', { name: 'News' })).body.id;
    const contact = await call('POST', '/api/v1/contacts', { email, country: 'FR', customFields, source: { type: 'web_form', at: '2026-01-01T00:00:00Z' } });
    assert.equal(contact.status, 201, JSON.stringify(contact.body));
    const campaign = await call('POST', '/api/v1/campaigns', {
      name: `Hello from ${domain}`, purpose: 'marketing', listIds: [list], fromName: domain, fromAddress: `news@${domain}`, subject: 'Hi', html: '<p>Secret of ' + domain + '</p>',
    });
    assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
    return { contact: contact.body.id as string, campaign: campaign.body.id as string, list };
  }

  before(async () => {
    app = await buildApp({ db: t.db, config: testConfig({ baseUrl: 'https://lists.shop.example' }), logger: false, tokenCacheMs: 0 });
    a = await testWorkspace(t.db, 'Shop A');
    b = await testWorkspace(t.db, 'Shop B');
    asA = caller(app, a.tokens.admin);
    asB = caller(app, b.tokens.admin);
    const sa = await setUp(a, 'a.example', 'ann@a.example', { site: 'javascript:alert(1)', tail: 'script:alert(2)', colour: 'red);background:url(http://tracker.example/x' });
    const sb = await setUp(b, 'b.example', 'bob@b.example');
    Object.assign(ids, { aContact: sa.contact, bContact: sb.contact, aCampaign: sa.campaign, bCampaign: sb.campaign });
  });
  after(async () => { await app.close(); });

  const leaks = (body: unknown) => /bob@b\.example|b\.example|Secret of/.test(JSON.stringify(body ?? ''));

  it('another workspace\'s campaign and contact are not found through the preview, the list\'s `before` or "why" by address', async () => {
    const theirs = await asA('GET', `/api/v1/campaigns/${ids.bCampaign}/preview`);
    assert.equal(theirs.status, 404);
    assert.ok(!leaks(theirs.body), JSON.stringify(theirs.body));
    for (const contact of [ids.bContact, 'bob@b.example']) {
      const r = await asA('GET', `/api/v1/campaigns/${ids.aCampaign}/preview?contact=${contact}`);
      assert.equal(r.status, 404, `their contact ${contact} through our campaign`);
    }
    assert.equal((await asB('GET', `/api/v1/campaigns/${ids.bCampaign}/preview?contact=bob@b.example`)).status, 200, 'the owner sees it');

    const page = await asA('GET', `/api/v1/campaigns?before=${ids.bCampaign}`);
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.items, [], 'their id as a cursor gives an empty page');
    assert.deepEqual((await asA('GET', '/api/v1/campaigns')).body.items.map((c: { id: string }) => c.id), [ids.aCampaign]);

    for (const url of [`/api/v1/campaigns/${ids.bCampaign}/recipients/bob@b.example`, `/api/v1/campaigns/${ids.bCampaign}/recipients/${ids.bContact}`, `/api/v1/campaigns/${ids.bCampaign}/send`]) {
      const r = await asA('GET', url);
      assert.equal(r.status, 404, url);
      assert.ok(!leaks(r.body), JSON.stringify(r.body));
    }
  });

  it('the access export: another workspace\'s contact is not found; an editor may not export; an admin\'s export is audited', async () => {
    const theirs = await asA('GET', `/api/v1/contacts/${ids.bContact}/export`);
    assert.equal(theirs.status, 404);
    assert.ok(!leaks(theirs.body));
    assert.equal((await caller(app, a.tokens.editor)('GET', `/api/v1/contacts/${ids.aContact}/export`)).status, 403);
    const ours = await asA('GET', `/api/v1/contacts/${ids.aContact}/export`);
    assert.equal(ours.status, 200);
    assert.equal(ours.body.contact.email, 'ann@a.example');
    const audit = await asA('GET', '/api/v1/audit');
    const exports = audit.body.items.filter((e: { action: string }) => e.action === 'contact.export');
    assert.equal(exports.length, 1, JSON.stringify(audit.body.items.map((e: { action: string }) => e.action)));
    assert.equal((await asB('GET', '/api/v1/audit')).body.items.filter((e: { action: string }) => e.action === 'contact.export').length, 0);
  });

  it('suppressions and returned mail: each workspace lists its own; their contact cannot be suppressed from here; a suppression is audited', async () => {
    assert.equal((await asB('POST', '/api/v1/suppressions', { contactId: ids.bContact, reason: 'manual' })).status, 201);
    const cross = await asA('POST', '/api/v1/suppressions', { contactId: ids.bContact, reason: 'manual' });
    assert.equal(cross.status, 404, JSON.stringify(cross.body));
    assert.ok(!leaks(cross.body));
    const listed = await asA('GET', '/api/v1/suppressions');
    assert.ok(!leaks(listed.body), JSON.stringify(listed.body));
    assert.equal((await asA('GET', `/api/v1/suppressions?contactId=${ids.bContact}`)).body.items.length, 0);
    assert.deepEqual((await asB('GET', '/api/v1/suppressions')).body.items.map((s: { email: string }) => s.email), ['bob@b.example']);
    assert.ok((await asB('GET', '/api/v1/audit')).body.items.some((e: { action: string }) => e.action.startsWith('suppression')), 'the suppression is in the audit log');

    // a row whose contact is of another workspace (no route writes one; the database would take it) names no address
    await t.db.insertInto('suppressions').values({ workspace_id: a.id, contact_id: ids.bContact, reason: 'manual', channel: 'all', scope: 'marketing', at: new Date(), source: 'test', created_by: 'test' } as never).execute();
    const odd = await asA('GET', '/api/v1/suppressions');
    assert.deepEqual(odd.body.items.map((s: { email: string | null }) => s.email), [null], JSON.stringify(odd.body));
    await t.db.deleteFrom('suppressions').where('workspace_id', '=', a.id).execute();

    const mail = 'From: someone@elsewhere.example\r\nTo: news@b.example\r\nSubject: hello bob@b.example\r\nMessage-ID: <x1@elsewhere.example>\r\n\r\nJust a reply.\r\n';
    const up = await app.inject({ method: 'POST', url: '/api/v1/bounces', headers: { authorization: `Bearer ${b.tokens.editor}`, 'content-type': 'message/rfc822' }, payload: mail });
    assert.equal(up.statusCode, 200, up.body);
    assert.equal((await asB('GET', '/api/v1/bounces')).body.items.length, 1);
    const ours = await caller(app, a.tokens.viewer)('GET', '/api/v1/bounces');
    assert.equal(ours.status, 200);
    assert.deepEqual(ours.body.items, []);
  });

  it('a template\'s CSS and merge tags cannot fetch over http, name an image otherwise, or put a contact\'s value into a style or a script link', async () => {
    const html = '<style>h1 { color: #0a6cff; background: url(http://tracker.example/h.png) } .k { background-image: image-set("https://tracker.example/i.png" 1x) }'
      + ' .u { background-image: url(https://cdn.a.example/ok.png) }</style>'
      + '<h1>Hi</h1><p class="k">k</p><div class="u">u</div>'
      + '<p style="background: url(https://cdn.a.example/t.png?{{ contact.email }})">m</p>'
      + '<p style="background-image: url(https://cdn.a.example/x.png), URL(http://tracker.example/y.png)">n</p>'
      + '<p style="background: url(https://cdn.a.example/&#123;&#123;contact.colour&#125;&#125;)">o</p>'
      + '<a href="{{ contact.site }}">site</a><img src="{{ contact.site }}" alt="s"><a href="https://a.example/{{ contact.email }}">own</a><a href="java{{ contact.tail }}">tail</a>';
    const created = await asA('PUT', `/api/v1/campaigns/${ids.aCampaign}`, {
      name: 'Styled', purpose: 'marketing', listIds: (await asA('GET', `/api/v1/campaigns/${ids.aCampaign}`)).body.listIds, fromName: 'A', fromAddress: 'news@a.example', subject: 'Hi', html,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const preview = await asA('GET', `/api/v1/campaigns/${ids.aCampaign}/preview?contact=ann@a.example`);
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    const got: string = preview.body.html;
    assert.ok(!/tracker\.example|image-set|javascript|ann@a\.example\)|http:\/\//i.test(got), got);
    assert.match(got, /^<h1 style="color:#0a6cff">Hi<\/h1><p class="k">k<\/p><div class="u" style="background-image:url\(https:\/\/cdn\.a\.example\/ok\.png\)">u<\/div><p>m<\/p><p>n<\/p><p>o<\/p>/);
    assert.match(got, /<a href="#">site<\/a><img src="#" alt="s" \/><a href="https:\/\/a\.example\/ann@a\.example">own<\/a><a href="#">tail<\/a>/);
  });
});
