// The person's pages through HTTP: RFC 8058 one-click, the unsubscribe page, CSRF, the preference centre,
// my data with export and erasure, the access link without enumeration, and workspace isolation.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { myDataUrl, oneClickUnsubscribeUrl, preferencesUrl, unsubscribeUrl } from '../src/public/links.js';
import { tombstoneHmac } from '../src/suppressions/tombstone-hmac.js';
import { forEachDatabase } from './support/db.js';
import { BASE_URL, createTestForm, FORM, formBody, hidden, linkIn, openFixture, signUpAndConfirm, type Fixture } from './public-fixture.js';

const path = (url: string) => { const u = new URL(url); return u.pathname + u.search; };

forEachDatabase('public pages', (t) => {
  let f: Fixture;
  let form: Awaited<ReturnType<typeof createTestForm>>;
  const secret = 'test-secret-key-0123456789abcdef0123456789';
  const link = (contactId: string, extra: Record<string, string> = {}) => ({ baseUrl: BASE_URL, secret, workspaceId: f.workspace.id, contactId, now: f.clock.now, ...extra });
  const activeUnsubscribes = (contactId: string) => t.db.selectFrom('suppressions').select('id').where('contact_id', '=', contactId).where('reason', '=', 'unsubscribe').where('lifted_at', 'is', null).execute();

  before(async () => {
    f = await openFixture(t.db, { public: { accessPerAddress: { limit: 2, windowMs: 3600_000 } } });
    form = await createTestForm(f);
  });
  after(async () => { await f.close(); });

  it('one-click: GET shows one button and changes nothing; POST unsubscribes at once, no redirect, no cookie', async () => {
    const id = await signUpAndConfirm(f, form, 'dan@example.com');
    const url = oneClickUnsubscribeUrl(link(id, { listId: f.lists[0].id, campaignId: 'c-1' }));
    const page = await f.app.inject({ url: path(url) });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Stop receiving “Weekly news” at dan@example.com/);
    assert.match(page.body, /name="List-Unsubscribe" value="One-Click"/);
    assert.equal((await activeUnsubscribes(id)).length, 0, 'a GET never unsubscribes');

    const res = await f.app.inject({ method: 'POST', url: path(url), headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.location, undefined);
    assert.equal(res.headers['set-cookie'], undefined);
    assert.equal((await activeUnsubscribes(id)).length, 1, 'in effect when the response arrives');
    const consents = await t.db.selectFrom('consent_events').select('withdrawn_at').where('contact_id', '=', id).execute();
    assert.ok(consents.every((c) => c.withdrawn_at !== null));
    const act = await t.db.selectFrom('activity_events').select('details').where('contact_id', '=', id).where('type', '=', 'unsubscribe').executeTakeFirstOrThrow();
    assert.deepEqual(act.details, { method: 'one_click', listId: f.lists[0].id, campaignId: 'c-1' });
    // A second POST (mail clients retry) is harmless.
    assert.equal((await f.app.inject({ method: 'POST', url: path(url), headers: FORM, payload: 'List-Unsubscribe=One-Click' })).statusCode, 200);
    assert.equal((await activeUnsubscribes(id)).length, 1);
  });

  it('one-click accepts multipart/form-data and refuses a POST without the RFC 8058 body or with a bad token', async () => {
    const id = await signUpAndConfirm(f, form, 'eve@example.com');
    const url = path(oneClickUnsubscribeUrl(link(id)));
    assert.equal((await f.app.inject({ method: 'POST', url, headers: FORM, payload: 'foo=bar' })).statusCode, 400);
    const tampered = url.slice(0, -3) + (url.at(-3) === 'A' ? 'B' : 'A') + url.slice(-2);
    assert.equal((await f.app.inject({ method: 'POST', url: tampered, headers: FORM, payload: 'List-Unsubscribe=One-Click' })).statusCode, 400);
    const wrongPurpose = new URL(unsubscribeUrl(link(id))).searchParams.get('t');
    assert.equal((await f.app.inject({ method: 'POST', url: `/u/${wrongPurpose}`, headers: FORM, payload: 'List-Unsubscribe=One-Click' })).statusCode, 400);
    assert.equal((await activeUnsubscribes(id)).length, 0);
    const boundary = 'XyZ123';
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const res = await f.app.inject({ method: 'POST', url, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: multipart });
    assert.equal(res.statusCode, 200);
    assert.equal((await activeUnsubscribes(id)).length, 1);
  });

  it('concurrent one-click POSTs (some repeated) each take effect once, in their own request', async () => {
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await signUpAndConfirm(f, form, `batch${i}@example.com`));
    const urls = [...ids, ...ids.slice(0, 2)].map((id) => path(oneClickUnsubscribeUrl(link(id))));
    const res = await Promise.all(urls.map((url) => f.app.inject({ method: 'POST', url, headers: FORM, payload: 'List-Unsubscribe=One-Click' })));
    assert.deepEqual(res.map((r) => r.statusCode), [200, 200, 200, 200, 200, 200]);
    for (const id of ids) assert.equal((await activeUnsubscribes(id)).length, 1, id);
    const acts = await t.db.selectFrom('activity_events').select('contact_id').where('contact_id', 'in', ids).where('type', '=', 'unsubscribe').execute();
    assert.equal(acts.length, 6, 'every request is recorded');
  });

  it('an expired one-click link is refused with 410', async () => {
    const id = await signUpAndConfirm(f, form, 'fay@example.com');
    const url = path(oneClickUnsubscribeUrl(link(id, { lifetimeMs: 1000 } as never)));
    f.clock.now = new Date(f.clock.now.getTime() + 2000);
    assert.equal((await f.app.inject({ method: 'POST', url, headers: FORM, payload: 'List-Unsubscribe=One-Click' })).statusCode, 410);
    assert.equal((await activeUnsubscribes(id)).length, 0);
  });

  it('the unsubscribe page needs its CSRF value and our own origin', async () => {
    const id = await signUpAndConfirm(f, form, 'gus@example.com');
    const page = await f.app.inject({ url: path(unsubscribeUrl(link(id, { lang: 'fr' }))) });
    assert.match(page.body, /Ne plus recevoir aucun e-mail marketing/);
    const tok = hidden(page.body, 't');
    const csrf = hidden(page.body, 'csrf');
    assert.equal((await f.app.inject({ method: 'POST', url: '/p/unsubscribe', headers: FORM, payload: formBody({ t: tok }) })).statusCode, 403);
    assert.equal((await f.app.inject({ method: 'POST', url: '/p/unsubscribe', headers: { ...FORM, origin: 'https://evil.example' }, payload: formBody({ t: tok, csrf }) })).statusCode, 403);
    assert.equal((await activeUnsubscribes(id)).length, 0);
    const ok = await f.app.inject({ method: 'POST', url: '/p/unsubscribe', headers: { ...FORM, origin: BASE_URL }, payload: formBody({ t: tok, csrf, lang: 'de' }) });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /Sie sind abgemeldet/);
    assert.equal((await activeUnsubscribes(id)).length, 1);
    // Signing up again later through double opt-in lifts the person's own unsubscribe.
    f.clock.now = new Date(f.clock.now.getTime() + 60_000);
    await signUpAndConfirm(f, form, 'gus@example.com');
    assert.equal((await activeUnsubscribes(id)).length, 0);
  });

  it('the preference centre changes lists and frequency; unticking email unsubscribes', async () => {
    const id = await signUpAndConfirm(f, form, 'hal@example.com');
    const page = await f.app.inject({ url: path(preferencesUrl(link(id))) });
    assert.equal(page.statusCode, 200);
    const payload = { t: hidden(page.body, 't'), csrf: hidden(page.body, 'csrf') };
    const save = await f.app.inject({ method: 'POST', url: '/p/preferences', headers: FORM, payload: formBody({ ...payload, list: f.lists[1].id, channel: 'email', frequency: 'monthly' }) });
    assert.equal(save.statusCode, 200);
    assert.match(save.body, /preferences are saved/);
    const members = await t.db.selectFrom('list_memberships').select('list_id').where('contact_id', '=', id).execute();
    assert.deepEqual(members.map((m) => m.list_id), [f.lists[1].id]);
    assert.equal((await t.db.selectFrom('contact_preferences').select('frequency').where('contact_id', '=', id).executeTakeFirstOrThrow()).frequency, 'monthly');
    assert.equal((await activeUnsubscribes(id)).length, 0);
    await f.app.inject({ method: 'POST', url: '/p/preferences', headers: FORM, payload: formBody({ ...payload, list: f.lists[1].id, frequency: 'monthly' }) });
    assert.equal((await activeUnsubscribes(id)).length, 1);
    assert.equal((await f.app.inject({ method: 'POST', url: '/p/preferences', headers: FORM, payload: formBody({ t: payload.t, frequency: 'any' }) })).statusCode, 403);
  });

  it('my data shows what is held and where it came from; the export is a JSON download; erasure leaves a tombstone', async () => {
    const id = await signUpAndConfirm(f, form, 'ivy@example.com', { field_first_name: 'Ivy' });
    const url = path(myDataUrl(link(id, { lang: 'de' })));
    const page = await f.app.inject({ url });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Woher Ihre Adresse stammt/);
    assert.match(page.body, /Webformular angemeldet/);
    assert.match(page.body, /Ivy/);
    const exp = await f.app.inject({ url: `/p/my-data/export?t=${encodeURIComponent(hidden(page.body, 't'))}` });
    assert.match(exp.headers['content-disposition'] as string, /attachment/);
    const data = exp.json();
    assert.equal(data.contact.email, 'ivy@example.com');
    assert.equal(data.consents[0].method, 'double_opt_in');
    assert.equal(data.source.type, 'web_form');

    const payload = { t: hidden(page.body, 't'), csrf: hidden(page.body, 'csrf') };
    assert.equal((await f.app.inject({ method: 'POST', url: '/p/my-data/erase', headers: FORM, payload: formBody(payload) })).statusCode, 400, 'the box must be ticked');
    const erased = await f.app.inject({ method: 'POST', url: '/p/my-data/erase', headers: FORM, payload: formBody({ ...payload, confirm: 'yes' }) });
    assert.equal(erased.statusCode, 200);
    assert.equal(await t.db.selectFrom('contacts').select('id').where('id', '=', id).executeTakeFirst(), undefined);
    assert.equal((await t.db.selectFrom('consent_events').select('id').where('contact_id', '=', id).execute()).length, 0);
    assert.equal((await t.db.selectFrom('signups').select('id').where('email_normalized', '=', 'ivy@example.com').execute()).length, 0);
    const wsSecret = (await t.db.selectFrom('workspaces').select('secret').where('id', '=', f.workspace.id).executeTakeFirstOrThrow()).secret;
    const tomb = await t.db.selectFrom('tombstones').selectAll().where('workspace_id', '=', f.workspace.id).execute();
    assert.deepEqual(tomb.map((x) => [x.hmac, x.reason]), [[tombstoneHmac(wsSecret, 'IVY@example.com'), 'erasure']]);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'contact.erase').execute();
    assert.equal(audit.length, 1);
    assert.doesNotMatch(JSON.stringify(audit[0]), /ivy/i, 'the audit entry names no personal data');
    assert.equal((await f.app.inject({ url })).statusCode, 404, 'the old link now finds nothing');

    // Signing up again by double opt-in brings the person back: the erasure is lifted by their own act.
    f.clock.now = new Date(f.clock.now.getTime() + 60_000);
    const back = await signUpAndConfirm(f, form, 'ivy@example.com');
    const supp = await t.db.selectFrom('suppressions').select(['reason', 'lifted_at']).where('contact_id', '=', back).execute();
    assert.deepEqual(supp.map((x) => [x.reason, x.lifted_at !== null]), [['erasure', true]]);
  });

  it('a complaint tombstone survives a new double opt-in', async () => {
    const wsSecret = (await t.db.selectFrom('workspaces').select('secret').where('id', '=', f.workspace.id).executeTakeFirstOrThrow()).secret;
    await t.db.insertInto('tombstones').values({ workspace_id: f.workspace.id, hmac: tombstoneHmac(wsSecret, 'moe@example.com'), reason: 'complaint', at: new Date(f.clock.now.getTime() - 86_400_000) }).execute();
    const id = await signUpAndConfirm(f, form, 'moe@example.com');
    const supp = await t.db.selectFrom('suppressions').select(['reason', 'lifted_at']).where('contact_id', '=', id).execute();
    assert.deepEqual(supp.map((x) => [x.reason, x.lifted_at]), [['complaint', null]]);
  });

  it('the access page answers the same whether or not the address is known, and mails only a known one', async () => {
    await signUpAndConfirm(f, form, 'jo@example.com');
    const n = f.sink.count();
    const known = await f.app.inject({ method: 'POST', url: `/p/access/${f.workspace.slug}`, headers: FORM, payload: formBody({ email: 'jo@example.com' }) });
    const unknown = await f.app.inject({ method: 'POST', url: `/p/access/${f.workspace.slug}`, headers: FORM, payload: formBody({ email: 'nobody@example.com' }) });
    assert.equal(known.statusCode, unknown.statusCode);
    assert.equal(known.body, unknown.body);
    await f.sink.waitFor(n + 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(f.sink.count(), n + 1);
    const mail = await f.sink.parse(n);
    assert.deepEqual(f.sink.messages[n].to, ['jo@example.com']);
    const page = await f.app.inject({ url: linkIn(mail.text!, '/p/my-data') });
    assert.equal(page.statusCode, 200);
    // Past the per-address limit the answer is unchanged and no more mail goes out.
    for (let i = 0; i < 3; i++) {
      const again = await f.app.inject({ method: 'POST', url: `/p/access/${f.workspace.slug}`, headers: FORM, payload: formBody({ email: 'jo@example.com' }) });
      assert.equal(again.body, known.body);
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(f.sink.count(), n + 2);
  });

  it('a link for one workspace never reaches another workspace, and the API is scoped too', async () => {
    const id = await signUpAndConfirm(f, form, 'kim@example.com');
    const other = await t.db.insertInto('workspaces').values({ name: 'Other', slug: `other-${Date.now()}`, secret: 's'.repeat(40) }).returning('id').executeTakeFirstOrThrow();
    const forged = path(myDataUrl({ baseUrl: BASE_URL, secret, workspaceId: other.id, contactId: id, now: f.clock.now }));
    assert.equal((await f.app.inject({ url: forged })).statusCode, 404);
    const oneClick = path(oneClickUnsubscribeUrl({ baseUrl: BASE_URL, secret, workspaceId: other.id, contactId: id, now: f.clock.now }));
    await f.app.inject({ method: 'POST', url: oneClick, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    assert.equal((await activeUnsubscribes(id)).length, 0);
    const { createApiToken } = await import('../src/auth/create-api-token.js');
    const tok = await createApiToken({ db: t.db, workspaceId: other.id, name: 'o', role: 'admin', actor: { type: 'system', id: null }, now: f.clock.now });
    assert.equal((await f.app.inject({ url: `/api/v1/contacts/${id}/evidence`, headers: { authorization: `Bearer ${tok.token}` } })).statusCode, 404);
    assert.equal((await f.app.inject({ method: 'POST', url: `/api/v1/contacts/${id}/erase`, headers: { authorization: `Bearer ${tok.token}` }, payload: {} })).statusCode, 404);
    assert.ok(await t.db.selectFrom('contacts').select('id').where('id', '=', id).executeTakeFirst());
  });

  it('public pages send security headers and escape what people typed', async () => {
    const id = await signUpAndConfirm(f, form, 'lee@example.com', { field_first_name: '<script>alert(1)</script>' });
    const page = await f.app.inject({ url: path(myDataUrl(link(id))) });
    assert.doesNotMatch(page.body, /<script>alert/);
    assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(page.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
    assert.equal(page.headers['referrer-policy'], 'same-origin');
    assert.equal(page.headers['cache-control'], 'no-store');
  });
});
