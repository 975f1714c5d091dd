// Data-subject rights as staff meet them through HTTP: the access export of a contact (with the campaign mails
// sent to them), erasure that leaves no trace of the address in returned mail, sign-ups or the export; and what a
// first-time user needs to find: the workspace slug of the people's access page.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { dsn, sentCampaign } from './bounces-intake-support.js';
import { system } from './send-support.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestForm, FORM, formBody, openFixture, signUpAndConfirm, type Fixture } from './public-fixture.js';

forEachDatabase('data-subject rights through the API', (t) => {
  let mx: SmtpSink;
  let app: FastifyInstance;
  before(async () => {
    mx = await startSmtpSink();
    app = await buildApp({ db: t.db, config: testConfig(), logger: false });
  });
  after(async () => { await app.close(); await mx.close(); });

  it('exports a contact with the campaign mails sent to them (audited, admin only); erasure then leaves the address nowhere in returned mail', async () => {
    const camp = await sentCampaign(t.db, mx, [{ email: 'gone@example.net' }, { email: 'stays@example.net' }]);
    const admin = (await createApiToken({ db: t.db, workspaceId: camp.workspaceId, name: 'dpo', role: 'admin', actor: system, now: new Date() })).token;
    const viewer = (await createApiToken({ db: t.db, workspaceId: camp.workspaceId, name: 'v', role: 'viewer', actor: system, now: new Date() })).token;
    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token = admin, payload?: string, type?: string) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) }, payload });
    const gone = camp.sent.get('gone@example.net')!;

    const exported = await call('GET', `/api/v1/contacts/${gone.contactId}/export`);
    assert.equal(exported.statusCode, 200, exported.body);
    assert.match(String(exported.headers['content-disposition']), /attachment/);
    const doc = exported.json();
    assert.equal(doc.contact.email, 'gone@example.net');
    assert.equal(doc.messages.length, 1);
    assert.equal(doc.messages[0].subject, 'Hello');
    assert.equal(doc.messages[0].state, 'sent');
    assert.ok(doc.messages[0].sentAt);
    assert.equal((await call('GET', `/api/v1/contacts/${gone.contactId}/export`, viewer)).statusCode, 403);
    const audited = await t.db.selectFrom('audit_log').select(['action', 'target_id']).where('workspace_id', '=', camp.workspaceId).where('action', '=', 'contact.export').execute();
    assert.deepEqual(audited, [{ action: 'contact.export', target_id: gone.contactId }]);

    // the mailbox is dead: the DSN comes back and is recorded with the address
    const returned = await call('POST', '/api/v1/bounces', admin, dsn({ to: gone.returnPath, recipient: 'gone@example.net', status: '5.1.1', diagnostic: '550 5.1.1 <gone@example.net>: user unknown', originalHeaders: gone.headers }), 'message/rfc822');
    assert.equal(returned.statusCode, 200, returned.body);
    const listed = (await call('GET', '/api/v1/bounces')).json().items;
    assert.equal(typeof listed[0].id, 'number');
    assert.equal(typeof listed[0].receivedAt, 'string');
    assert.equal(new Date(listed[0].receivedAt).toISOString(), listed[0].receivedAt);
    assert.equal(listed[0].received_at, undefined);
    assert.match(JSON.stringify(listed), /gone@example\.net/);
    assert.match((await call('GET', '/api/v1/bounces/actions')).body, /gone@example\.net/);
    const actionsBefore = (await call('GET', '/api/v1/bounces/actions')).json().items.length;

    assert.equal((await call('DELETE', `/api/v1/contacts/${gone.contactId}`)).statusCode, 204);
    for (const url of ['/api/v1/bounces', '/api/v1/bounces/actions']) {
      const body = (await call('GET', url)).body;
      assert.doesNotMatch(body, /gone@example\.net/i, url);
      assert.match(body, /\[erased\]/, url);
    }
    // the figures stay: the action is still counted, only its address is gone
    assert.equal((await call('GET', '/api/v1/bounces/actions')).json().items.length, actionsBefore);
    const rows = await t.db.selectFrom('returned_mail').select(['report', 'matches']).where('workspace_id', '=', camp.workspaceId).execute();
    assert.ok(rows.length > 0);
    assert.doesNotMatch(JSON.stringify(rows), /gone@example\.net/i);
    assert.equal((await call('GET', `/api/v1/contacts/${gone.contactId}/export`)).statusCode, 404);
    // the other recipient is untouched
    const stays = camp.sent.get('stays@example.net')!;
    assert.equal((await call('GET', `/api/v1/contacts/${stays.contactId}/export`)).json().messages.length, 1);
  });
});

forEachDatabase('a first hour with the public pages', (t) => {
  let f: Fixture;
  let form: Awaited<ReturnType<typeof createTestForm>>;
  before(async () => {
    f = await openFixture(t.db);
    form = await createTestForm(f);
  });
  after(async () => { await f.close(); });

  it('GET /api/v1/auth/me names the workspace slug and the people\'s data access page', async () => {
    const me = await f.app.inject({ url: '/api/v1/auth/me', headers: f.auth });
    assert.equal(me.statusCode, 200);
    const ws = me.json().workspace;
    assert.equal(ws.slug, f.workspace.slug);
    assert.equal(ws.id, f.workspace.id);
    assert.equal(ws.dataAccessUrl, `http://127.0.0.1:3999/p/access/${f.workspace.slug}`);
    const page = await f.app.inject({ url: new URL(ws.dataAccessUrl).pathname });
    assert.equal(page.statusCode, 200);
  });

  it('a sign-in link used twice says how to get another', async () => {
    const { createSignInLink } = await import('../src/auth/create-sign-in-link.js');
    const { createUser } = await import('../src/users/create-user.js');
    const user = await createUser({ db: t.db, workspaceId: f.workspace.id, email: 'nell@example.com', role: 'editor', actor: { type: 'system', id: null }, now: f.clock.now });
    const link = await createSignInLink({ db: t.db, baseUrl: 'http://127.0.0.1:3999', userId: user.id, workspaceId: f.workspace.id, now: f.clock.now });
    const path = new URL(link.url).pathname;
    assert.equal((await f.app.inject({ url: path })).statusCode, 303);
    const again = await f.app.inject({ url: path });
    assert.equal(again.statusCode, 401);
    assert.match(again.json().error.message, /already used or has expired\. An admin can make a new one \(POST \/api\/v1\/members.*listwarden admin create-user --email YOUR_EMAIL \(your role is kept\)/);
  });

  it('members and tokens: a bad address is named in the message, a role left out is "required", a misspelt key is named', async () => {
    const members = () => t.db.selectFrom('workspace_members').select('user_id').where('workspace_id', '=', f.workspace.id).execute();
    const before = (await members()).length;
    const bad = await f.app.inject({ method: 'POST', url: '/api/v1/members', headers: f.auth, payload: { email: 'not-an-email', role: 'editor' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.message, 'email: "not-an-email" is not an email address');
    const noRole = await f.app.inject({ method: 'POST', url: '/api/v1/members', headers: f.auth, payload: { email: 'max@example.com' } });
    assert.equal(noRole.statusCode, 400);
    assert.equal(noRole.json().error.message, 'body.role: required');
    const typo = await f.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: f.auth, payload: { name: 'ci', rol: 'viewer' } });
    assert.equal(typo.statusCode, 400);
    assert.equal(typo.json().error.message, 'body.rol: unknown field; did you mean role?');
    assert.equal((await members()).length, before);
    assert.equal((await t.db.selectFrom('api_tokens').select('id').where('workspace_id', '=', f.workspace.id).where('name', '=', 'ci').execute()).length, 0);
  });

  it('the access, my-data and preference pages name who holds the data once the sender profile says it', async () => {
    const access = `/p/access/${f.workspace.slug}`;
    assert.doesNotMatch((await f.app.inject({ url: access })).body, /class="controller"/);
    const profile = await f.app.inject({ method: 'PUT', url: '/api/v1/sender-profile', headers: f.auth, payload: {
      company: 'Bakery <Dupont> SARL', address: '2 rue du Four, 75006 Paris', contactEmail: 'privacy@bakery.example', domains: ['bakery.example'], returnPathDomain: 'bounces.bakery.example',
    } });
    assert.equal(profile.statusCode, 200, profile.body);
    const named = /<p class="controller">Bakery &lt;Dupont&gt; SARL · 2 rue du Four, 75006 Paris · <a href="mailto:privacy@bakery.example">privacy@bakery.example<\/a><\/p>/;
    assert.match((await f.app.inject({ url: access })).body, named);
    const id = await signUpAndConfirm(f, form, 'quinn@example.com');
    const { myDataUrl, preferencesUrl } = await import('../src/public/links.js');
    for (const build of [myDataUrl, preferencesUrl]) {
      const url = new URL(build({ baseUrl: 'http://127.0.0.1:3999', secret: f.app.deps.config.secretKey, workspaceId: f.workspace.id, contactId: id, now: f.clock.now }));
      const page = await f.app.inject({ url: url.pathname + url.search });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, named, url.pathname);
    }
  });

  it('a form body with a field left out says "required", a misspelt key is named, and no form is made', async () => {
    const count = async () => Number((await t.db.selectFrom('forms').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', f.workspace.id).executeTakeFirstOrThrow()).n);
    const before = await count();
    const empty = await f.app.inject({ method: 'POST', url: '/api/v1/forms', headers: f.auth, payload: { name: 'Newsletter' } });
    assert.equal(empty.statusCode, 400);
    const issues = empty.json().error.issues as { path: string; message: string }[];
    for (const path of ['body.listIds', 'body.defaultCountry', 'body.privacyUrl', 'body.wording']) {
      assert.deepEqual(issues.find((i) => i.path === path), { path, message: 'required' }, JSON.stringify(issues));
    }
    const misspelt = await f.app.inject({ method: 'POST', url: '/api/v1/forms', headers: f.auth, payload: { name: 'N', lists: [f.lists[0].id], defaultCountry: 'FR', privacyUrl: 'https://example.org/p', wording: {} } });
    assert.equal(misspelt.statusCode, 400);
    assert.equal(misspelt.json().error.message, 'body.lists: unknown field; did you mean listIds?');
    assert.equal(await count(), before);
  });

  it('contacts: a key a contact does not have is named and changes nothing; what a GET answered can be sent back changed', async () => {
    const id = await signUpAndConfirm(f, form, 'olga@example.com');
    const read = await f.app.inject({ url: `/api/v1/contacts/${id}`, headers: f.auth });
    const typo = await f.app.inject({ method: 'PATCH', url: `/api/v1/contacts/${id}`, headers: f.auth, payload: { firstName: 'Olga' } });
    assert.equal(typo.statusCode, 400);
    assert.equal(typo.json().error.message, 'body.firstName: unknown field; did you mean customFields?');
    assert.deepEqual((await f.app.inject({ url: `/api/v1/contacts/${id}`, headers: f.auth })).json(), read.json(), 'nothing changed');
    const back = await f.app.inject({ method: 'PATCH', url: `/api/v1/contacts/${id}`, headers: f.auth, payload: { ...(read.json() as Record<string, unknown>), customFields: { first_name: 'Olga' } } });
    assert.equal(back.statusCode, 200, back.body);
    assert.deepEqual(back.json().customFields, { first_name: 'Olga' });
    const missing = await f.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: f.auth, payload: { email: 'pia@example.com', countryy: 'FR' } });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().error.issues, [
      { path: 'body.countryy', message: 'unknown field; did you mean country?' },
      { path: 'body.country', message: 'required' },
      { path: 'body.source', message: 'required' },
    ]);
  });

  it('a new wording: each language left out is "required", a misspelt key and an unknown channel are named, and no version is made', async () => {
    const versions = async () => (await f.app.inject({ url: `/api/v1/forms/${form.id}`, headers: f.auth })).json().versions.length;
    const before = await versions();
    const put = (payload: unknown) => f.app.inject({ method: 'PUT', url: `/api/v1/forms/${form.id}/wording`, headers: f.auth, payload: payload as object });
    const partial = await put({ en: { title: 'New' } });
    assert.equal(partial.statusCode, 400);
    assert.deepEqual(partial.json().error.issues, [
      { path: 'body.en.consent', message: 'required' }, { path: 'body.fr', message: 'required' }, { path: 'body.de', message: 'required' },
    ]);
    const wrong = await put({ en: { title: 'New', consent: { email: 'x' } }, fr: { titel: 'x', consent: { email: 'y' } }, de: { title: 'z', consent: { email: 'z', fax: 'no' } } });
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(wrong.json().error.issues, [
      { path: 'body.fr.titel', message: 'unknown field; did you mean title?' },
      { path: 'body.fr.title', message: 'required' },
      { path: 'body.de.consent', message: 'not a consent channel: fax (the channels are email, sms, post, phone)' },
    ]);
    assert.equal(await versions(), before);
  });

  it('my data: the consent table has headings and the campaign mails; erasing without the box ticked says so and erases nothing', async () => {
    const id = await signUpAndConfirm(f, form, 'ines@example.com');
    const { myDataUrl } = await import('../src/public/links.js');
    const url = new URL(myDataUrl({ baseUrl: 'http://127.0.0.1:3999', secret: f.app.deps.config.secretKey, workspaceId: f.workspace.id, contactId: id, now: f.clock.now }));
    const page = await f.app.inject({ url: url.pathname + url.search });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<th>Channel<\/th><th>How it was given<\/th><th>Given<\/th><th>Confirmed<\/th><th>Withdrawn<\/th>/);
    assert.match(page.body, /<h2>Campaign mails<\/h2>\s*<p>None<\/p>/);
    assert.match(page.body, /You signed up on a web form and confirmed by email \(“Newsletter”\)/);
    assert.doesNotMatch(page.body, /form:[0-9a-f-]{36}/, 'no internal reference shown to the person');
    const fields = { t: url.searchParams.get('t')!, csrf: page.body.match(/name="csrf" value="([^"]*)"/)![1] };
    const unticked = await f.app.inject({ method: 'POST', url: '/p/my-data/erase', headers: FORM, payload: formBody(fields) });
    assert.equal(unticked.statusCode, 400);
    assert.match(unticked.body, /Nothing was erased: tick “I understand that this cannot be undone” to confirm/);
    assert.match(unticked.body, /name="confirm" value="yes"/, 'the form is there again');
    assert.ok(await t.db.selectFrom('contacts').select('id').where('id', '=', id).executeTakeFirst(), 'still there');
    const ticked = await f.app.inject({ method: 'POST', url: '/p/my-data/erase', headers: FORM, payload: formBody({ ...fields, confirm: 'yes' }) });
    assert.equal(ticked.statusCode, 200);
    assert.equal(await t.db.selectFrom('contacts').select('id').where('id', '=', id).executeTakeFirst(), undefined);
  });

  it('suppressions: the list names each address; a body with nothing to suppress says what is missing, all at once', async () => {
    const id = await signUpAndConfirm(f, form, 'kim@example.com');
    const added = await f.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: f.auth, payload: { contactId: id, reason: 'manual' } });
    assert.equal(added.statusCode, 201, added.body);
    assert.equal(added.json().email, 'kim@example.com');
    const listed = await f.app.inject({ url: `/api/v1/suppressions?contactId=${id}`, headers: f.auth });
    assert.deepEqual(listed.json().items.map((s: { email: string; reason: string }) => [s.email, s.reason]), [['kim@example.com', 'manual']]);
    const { myDataUrl } = await import('../src/public/links.js');
    const url = new URL(myDataUrl({ baseUrl: 'http://127.0.0.1:3999', secret: f.app.deps.config.secretKey, workspaceId: f.workspace.id, contactId: id, now: f.clock.now }));
    assert.match((await f.app.inject({ url: url.pathname + url.search })).body, /<li>blocked by the sender \(\d{4}-/, 'the person reads the block in words');
    const empty = await f.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: f.auth, payload: {} });
    assert.equal(empty.statusCode, 400);
    assert.deepEqual(empty.json().error.issues, [
      { path: 'body.reason', message: 'required' },
      { path: 'body.email', message: 'required: the address to suppress (or a contactId)' },
    ]);
    const tombstones = async () => (await t.db.selectFrom('tombstones').select('id').where('workspace_id', '=', f.workspace.id).execute()).length;
    const kept = await tombstones();
    const misspelt = await f.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: f.auth, payload: { address: 'lou@example.com', reason: 'manual' } });
    assert.equal(misspelt.statusCode, 400);
    assert.equal(misspelt.json().error.message, 'body.address: unknown field; did you mean email?');
    assert.equal(await tombstones(), kept, 'nothing kept');
  });

  it('staff erasure also removes a sign-up of the address still waiting for confirmation on another form', async () => {
    const other = await createTestForm(f, { name: 'Offers' });
    const id = await signUpAndConfirm(f, form, 'jules@example.com');
    const n = f.sink.count();
    const pending = await f.app.inject({ method: 'POST', url: `/f/${other.publicId}`, headers: FORM, payload: formBody({ email: 'jules@example.com', consent_email: 'yes', list: f.lists[1].id }) });
    assert.equal(pending.statusCode, 200);
    await f.sink.waitFor(n + 1);
    const signups = () => t.db.selectFrom('signups').select('id').where('email_normalized', '=', 'jules@example.com').execute();
    assert.equal((await signups()).length, 2);
    assert.equal((await f.app.inject({ method: 'DELETE', url: `/api/v1/contacts/${id}`, headers: f.auth })).statusCode, 204);
    assert.deepEqual(await signups(), []);
  });
});
