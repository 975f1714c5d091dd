// Double opt-in through the real HTTP interface: form API, hosted form, sign-up POST, the confirmation mail on
// a loopback SMTP server, the confirm button, single use, evidence, expiry, rate limits and purge.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startWorker } from '../src/jobs/worker.js';
import { configurePublic } from '../src/public/http.js';
import { forEachDatabase } from './support/db.js';
import { createTestForm, FORM, formBody, hidden, linkIn, openFixture, type Fixture } from './public-fixture.js';

forEachDatabase('public sign-up and double opt-in', (t) => {
  let f: Fixture;
  let form: Awaited<ReturnType<typeof createTestForm>>;
  before(async () => {
    f = await openFixture(t.db, { public: { signupPerIp: { limit: 8, windowMs: 60_000 } } });
    form = await createTestForm(f);
  });
  after(async () => { await f.close(); });

  it('refuses a form without French wording, naming the field', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/api/v1/forms', headers: f.auth, payload: { name: 'x', listIds: [f.lists[0].id], defaultCountry: 'FR', privacyUrl: 'https://e.org/p', wording: { en: { title: 't', consent: { email: 'e' } } } } });
    assert.equal(res.statusCode, 400);
    assert.ok(res.json().error.issues.some((i: { path: string }) => i.path.startsWith('body.wording.fr')));
  });

  it('shows the hosted form in the asked language, consent boxes unticked, with a honeypot and the privacy link', async () => {
    const res = await f.app.inject({ url: `/f/${form.publicId}`, headers: { 'accept-language': 'de-DE,de;q=0.9' } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<html lang="de">/);
    assert.match(res.body, /Ich willige ein/);
    assert.match(res.body, /name="consent_email" value="yes">/);
    assert.doesNotMatch(res.body, /name="consent_email" value="yes" checked/);
    assert.match(res.body, /name="website"/);
    assert.match(res.body, /href="https:\/\/example.org\/privacy"/);
    assert.doesNotMatch(res.body, /<script/i);
    const fr = await f.app.inject({ url: `/f/${form.publicId}?lang=fr` });
    assert.match(fr.body, /J’accepte/);
    assert.equal((await f.app.inject({ url: '/f/unknown-form' })).statusCode, 404);
  });

  it('gives an embeddable snippet that posts to the hosted form without JavaScript', async () => {
    const res = await f.app.inject({ url: `/api/v1/forms/${form.id}/embed?lang=en`, headers: f.auth });
    const { html } = res.json();
    assert.match(html, new RegExp(`<form method="post" action="http://127.0.0.1:3999/f/${form.publicId}\\?lang=en"`));
    assert.doesNotMatch(html, /<script/i);
  });

  it('signs up, mails only the confirmation, and confirms with a button; the link is single-use', async () => {
    const before = f.sink.count();
    const res = await f.app.inject({
      method: 'POST', url: `/f/${form.publicId}?lang=en`, headers: { ...FORM, 'user-agent': 'TestBrowser/1.0', referer: 'https://bakery.example/news' },
      payload: formBody({ email: 'Ann@Example.com', consent_email: 'yes', list: [f.lists[0].id], field_first_name: 'Ann', lang: 'en', v: String(form.version) }),
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Check your inbox/);
    assert.equal((await t.db.selectFrom('contacts').select('id').where('workspace_id', '=', f.workspace.id).execute()).length, 0, 'no contact before confirmation');
    await f.sink.waitFor(before + 1);
    const mail = await f.sink.parse(before);
    assert.deepEqual(f.sink.messages[before].to, ['ann@example.com']);
    assert.equal(mail.subject, 'Bakery: please confirm your subscription');
    const link = linkIn(mail.text!, '/p/confirm');

    const signup = await t.db.selectFrom('signups').selectAll().where('workspace_id', '=', f.workspace.id).executeTakeFirstOrThrow();
    assert.equal(signup.user_agent, 'TestBrowser/1.0');
    assert.equal(signup.referrer, 'https://bakery.example/news');
    assert.equal(signup.form_version, 1);
    assert.match(signup.consent_hashes.email, /^[0-9a-f]{64}$/);
    assert.deepEqual(signup.channels, ['email']);

    // A scanner's GET only shows the button.
    const page = await f.app.inject({ url: link });
    assert.equal(page.statusCode, 200);
    assert.equal((await t.db.selectFrom('contacts').select('id').execute()).length, 0);
    const payload = formBody({ t: hidden(page.body, 't'), csrf: hidden(page.body, 'csrf'), lang: 'en' });

    f.clock.now = new Date(f.clock.now.getTime() + 3600_000);
    const ok = await f.app.inject({ method: 'POST', url: '/p/confirm', headers: { ...FORM, 'user-agent': 'Phone/2.0' }, payload });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /subscription is confirmed/);
    const contact = await t.db.selectFrom('contacts').selectAll().where('workspace_id', '=', f.workspace.id).executeTakeFirstOrThrow();
    assert.equal(contact.email, 'Ann@example.com');
    assert.equal(contact.source_type, 'web_form');
    assert.equal(contact.custom_fields.first_name, 'Ann');
    const consents = await t.db.selectFrom('consent_events').selectAll().where('contact_id', '=', contact.id).execute();
    assert.equal(consents.length, 1);
    assert.equal(consents[0].method, 'double_opt_in');
    assert.equal(consents[0].confirmed_at?.toISOString(), '2026-06-01T11:00:00.000Z');
    assert.equal(consents[0].evidence.confirmUserAgent, 'Phone/2.0');
    assert.equal(consents[0].evidence.userAgent, 'TestBrowser/1.0');
    assert.equal(consents[0].evidence.wordingHash, signup.consent_hashes.email);
    const members = await t.db.selectFrom('list_memberships').select('list_id').where('contact_id', '=', contact.id).execute();
    assert.deepEqual(members.map((m) => m.list_id), [f.lists[0].id]);

    const replay = await f.app.inject({ method: 'POST', url: '/p/confirm', headers: FORM, payload });
    assert.equal(replay.statusCode, 200);
    assert.match(replay.body, /already confirmed/);
    assert.equal((await t.db.selectFrom('consent_events').select('id').where('contact_id', '=', contact.id).execute()).length, 1, 'a replay records nothing');

    // Evidence: the exact text shown, its hash re-checked, IPs and times, as JSON and as a printable page.
    const ev = await f.app.inject({ url: `/api/v1/contacts/${contact.id}/evidence`, headers: f.auth });
    assert.equal(ev.statusCode, 200);
    const c0 = ev.json().consents[0];
    assert.equal(c0.textHashMatches, true);
    assert.match(c0.textShown, /I agree to receive the newsletter/);
    assert.equal(c0.evidence.formVersion, 1);
    assert.deepEqual(c0.lists, ['Weekly news']);
    const printable = await f.app.inject({ url: `/api/v1/contacts/${contact.id}/evidence?format=html`, headers: f.auth });
    assert.match(printable.headers['content-type'] as string, /text\/html/);
    assert.match(printable.body, /matches the stored wording/);
    assert.match(printable.body, /Phone\/2.0/);
  });

  it('a new wording is a new version; the old one stays and old evidence still matches', async () => {
    const { wording } = await import('./public-fixture.js');
    const res = await f.app.inject({ method: 'PUT', url: `/api/v1/forms/${form.id}/wording`, headers: f.auth, payload: wording(' (v2)') });
    assert.deepEqual(res.json(), { version: 2, changed: true });
    const same = await f.app.inject({ method: 'PUT', url: `/api/v1/forms/${form.id}/wording`, headers: f.auth, payload: wording(' (v2)') });
    assert.deepEqual(same.json(), { version: 2, changed: false });
    const full = await f.app.inject({ url: `/api/v1/forms/${form.id}`, headers: f.auth });
    assert.deepEqual(full.json().versions.map((v: { version: number }) => v.version), [1, 2]);
    const contact = await t.db.selectFrom('contacts').select('id').where('workspace_id', '=', f.workspace.id).executeTakeFirstOrThrow();
    const ev = await f.app.inject({ url: `/api/v1/contacts/${contact.id}/evidence`, headers: f.auth });
    assert.equal(ev.json().consents[0].textHashMatches, true);
    assert.doesNotMatch(ev.json().consents[0].textShown, /v2/);
  });

  it('answers invalid input with the form again and the errors, keeping what was typed', async () => {
    const res = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}?lang=fr`, headers: FORM, payload: formBody({ email: 'bob@example.com', list: f.lists[0].id, lang: 'fr' }) });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Veuillez cocher la case/);
    assert.match(res.body, /value="bob@example.com"/);
    assert.equal((await t.db.selectFrom('signups').select('id').where('email', '=', 'bob@example.com').execute()).length, 0);
  });

  it('a bot filling the honeypot gets the same answer and nothing is stored', async () => {
    const res = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: formBody({ email: 'bot@example.com', consent_email: 'yes', list: f.lists[0].id, website: 'http://spam' }) });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Check your inbox/);
    assert.equal((await t.db.selectFrom('signups').select('id').where('email', '=', 'bot@example.com').execute()).length, 0);
  });

  it('re-submitting the same address does not re-send within ten minutes', async () => {
    const body = formBody({ email: 'cara@example.com', consent_email: 'yes', list: f.lists[1].id });
    await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: body });
    await f.sink.waitFor(f.sink.count());
    await new Promise((r) => setTimeout(r, 300));
    const afterFirst = f.sink.messages.filter((m) => m.to.includes('cara@example.com')).length;
    assert.equal(afterFirst, 1);
    await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: body });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(f.sink.messages.filter((m) => m.to.includes('cara@example.com')).length, 1);
    assert.equal((await t.db.selectFrom('signups').select('id').where('email', '=', 'cara@example.com').execute()).length, 1);
    f.clock.now = new Date(f.clock.now.getTime() + 11 * 60_000);
    await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: body });
    await f.sink.waitFor(f.sink.count() + 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(f.sink.messages.filter((m) => m.to.includes('cara@example.com')).length, 2);
  });

  it('tampered, expired and wrong-purpose confirmation tokens are refused', async () => {
    const i = f.sink.messages.findIndex((m) => m.to.includes('cara@example.com'));
    const link = linkIn((await f.sink.parse(i)).text!, '/p/confirm');
    const tok = new URL(link, 'http://x').searchParams.get('t')!;
    const tampered = tok.slice(0, 5) + (tok[5] === 'A' ? 'B' : 'A') + tok.slice(6);
    assert.equal((await f.app.inject({ url: `/p/confirm?t=${tampered}` })).statusCode, 400);
    assert.equal((await f.app.inject({ url: `/u/${tok}` })).statusCode, 400, 'a confirm token is not an unsubscribe token');
    const saved = f.clock.now;
    f.clock.now = new Date(saved.getTime() + 8 * 24 * 3600_000);
    const expired = await f.app.inject({ url: link });
    assert.equal(expired.statusCode, 410);
    assert.match(expired.body, /expired/);
    // The maintenance job, run by the real worker, purges sign-ups never confirmed and queues itself again.
    const worker = startWorker({ db: t.db, config: f.app.deps.config, log: { info() {}, warn() {}, error() {} }, now: () => f.clock.now, loop: false });
    assert.ok((await worker.tick()) >= 1);
    await worker.stop();
    const next = await t.db.selectFrom('jobs').select(['run_at', 'status']).where('name', '=', 'forms.maintenance').where('status', '=', 'pending').execute();
    assert.equal(next.length, 1);
    assert.ok(next[0].run_at.getTime() > f.clock.now.getTime());
    assert.equal((await t.db.selectFrom('signups').select('id').where('email', '=', 'cara@example.com').execute()).length, 0);
    f.clock.now = saved;
  });

  it('concurrent submissions share one statement; a repeated address is stored once and mailed once', async () => {
    const n = f.sink.count();
    const emails = ['m1@example.com', 'm2@example.com', 'M1@example.com', 'm3@example.com', 'm1@example.com'];
    const res = await Promise.all(emails.map((email) => f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: formBody({ email, consent_email: 'yes', list: f.lists[0].id }) })));
    assert.deepEqual(res.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
    const rows = await t.db.selectFrom('signups').select('email_normalized').where('email_normalized', 'in', ['m1@example.com', 'm2@example.com', 'm3@example.com']).execute();
    assert.deepEqual(rows.map((r) => r.email_normalized).sort(), ['m1@example.com', 'm2@example.com', 'm3@example.com']);
    await f.sink.waitFor(n + 3);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(f.sink.count(), n + 3);
  });

  it('a form with a captcha asks the configured verifier, and refuses when none is configured', async () => {
    const captchaForm = await createTestForm(f, { captcha: true });
    const post = (extra: Record<string, string>) => f.app.inject({ method: 'POST', url: `/f/${captchaForm.publicId}`, headers: FORM, payload: formBody({ email: `cap${Object.keys(extra).length}${extra.captcha_token ?? ''}@example.com`, consent_email: 'yes', list: f.lists[0].id, ...extra }) });
    const page = await f.app.inject({ url: `/f/${captchaForm.publicId}` });
    assert.match(page.body, /name="captcha_token"/);
    assert.equal((await post({ captcha_token: 'ok' })).statusCode, 400, 'no verifier configured: refused, not skipped');
    const seen: string[] = [];
    configurePublic(f.app.deps, { captcha: async ({ token }) => { seen.push(token); return token === 'ok'; } });
    const bad = await post({ captcha_token: 'nope' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /anti-robot check failed/);
    assert.equal((await post({ captcha_token: 'ok' })).statusCode, 200);
    assert.deepEqual(seen, ['nope', 'ok']);
  });

  it('answers bodies of any shape with a page, never a crash', async () => {
    const json = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: { 'content-type': 'application/json' }, payload: { email: [null], consent_email: { a: 1 }, list: [7] } });
    assert.equal(json.statusCode, 400);
    const empty = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: '' });
    assert.equal(empty.statusCode, 400);
    const huge = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: 'email=' + 'a'.repeat(100_000) });
    assert.ok([400, 413].includes(huge.statusCode), String(huge.statusCode));
    const weird = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}?lang[]=x`, headers: FORM, payload: 'email=%ZZ&v=abc&lang=zz' });
    assert.equal(weird.statusCode, 400);
  });

  it('a refused confirmation mail is retried by the maintenance job, not before a minute, at most five times', async () => {
    const g = await openFixture(t.db, { workspaceName: 'Retry', sink: { reject: (rcpt) => (rcpt === 'busy@example.com' ? { code: 451, message: '4.3.0 try later' } : undefined) } });
    try {
      // The job queue is shared by the whole database: run this fixture's clock past any job queued by the other.
      g.clock.now = new Date(f.clock.now.getTime() + 30 * 86_400_000);
      const gf = await createTestForm(g);
      await g.app.inject({ method: 'POST', url: `/f/${gf.publicId}`, headers: FORM, payload: formBody({ email: 'busy@example.com', consent_email: 'yes', list: g.lists[0].id }) });
      const state = () => t.db.selectFrom('signups').select(['mail_status', 'mail_attempts']).where('workspace_id', '=', g.workspace.id).executeTakeFirstOrThrow();
      for (let i = 0; i < 50 && (await state()).mail_status !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(await state(), { mail_status: 'failed', mail_attempts: 1 });
      const worker = startWorker({ db: t.db, config: g.app.deps.config, log: { info() {}, warn() {}, error() {} }, now: () => g.clock.now, loop: false });
      await worker.tick();
      await worker.stop();
      assert.deepEqual(await state(), { mail_status: 'failed', mail_attempts: 1 }, 'not retried within the minute');
      for (let i = 2; i <= 6; i++) {
        g.clock.now = new Date(g.clock.now.getTime() + 11 * 60_000);
        const w = startWorker({ db: t.db, config: g.app.deps.config, log: { info() {}, warn() {}, error() {} }, now: () => g.clock.now, loop: false });
        await w.tick();
        await w.stop();
        assert.equal((await state()).mail_attempts, Math.min(i, 5));
      }
    } finally {
      await g.close();
    }
  });

  it('limits sign-ups per IP', async () => {
    let last = 0;
    for (let i = 0; i < 10; i++) {
      const res = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: formBody({ email: `r${i}@example.com`, consent_email: 'yes', list: f.lists[0].id }) });
      last = res.statusCode;
    }
    assert.equal(last, 429);
  });
});
