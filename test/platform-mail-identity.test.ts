/**
 * The platform's own mails (double opt-in confirmation, access link) come from the workspace: without a sender
 * profile from `noreply@` the base URL's host, never an IP literal (the base URL here is http://127.0.0.1:3999);
 * with one from its company on its first sending domain, Reply-To its contact email, DKIM-signed with the key its
 * campaigns use (checked by mailauth against the DNS record the API gives). The text names the sender, the form
 * and its lists. Through HTTP and the loopback SMTP sink.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, it } from 'node:test';
import { createApiToken } from '../src/auth/create-api-token.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { forEachDatabase } from './support/db.js';
import { createTestForm, FORM, formBody, linkIn, openFixture, signUpAndConfirm, type Fixture } from './public-fixture.js';

const require = createRequire(import.meta.url);
const { dkimVerify } = require('mailauth/lib/dkim/verify.js');

const profile = {
  company: 'Bakery SAS', address: '1 rue du Pain, 75002 Paris', registration: 'RCS Paris 123', representative: 'Jeanne Martin',
  postalAddress: '1 rue du Pain, 75002 Paris', contactEmail: 'hello@bakery.example', domains: ['bakery.example'], returnPathDomain: 'bounces.bakery.example',
};

forEachDatabase('platform mail identity', (t) => {
  let f: Fixture;
  let form: Awaited<ReturnType<typeof createTestForm>>;
  before(async () => {
    f = await openFixture(t.db);
    form = await createTestForm(f);
  });
  after(async () => { await f.close(); });

  const signUp = async (email: string, lang = 'en') => {
    const n = f.sink.count();
    const res = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}?lang=${lang}`, headers: FORM, payload: formBody({ email, consent_email: 'yes', list: f.lists.map((l) => l.id), lang }) });
    assert.equal(res.statusCode, 200, res.body);
    await f.sink.waitFor(n + 1);
    return { raw: f.sink.messages[n], mail: await f.sink.parse(n) };
  };
  const askAccess = async (email: string) => {
    const n = f.sink.count();
    await f.app.inject({ method: 'POST', url: `/p/access/${f.workspace.slug}`, headers: FORM, payload: formBody({ email }) });
    await f.sink.waitFor(n + 1);
    return { raw: f.sink.messages[n], mail: await f.sink.parse(n) };
  };

  it('without a sender profile: noreply@localhost rather than the IP of the base URL; the text names the workspace, form and lists', async () => {
    const { raw, mail } = await signUp('no-profile@example.com');
    assert.equal(mail.from?.value[0].address, 'noreply@localhost');
    assert.equal(raw.from, 'noreply@localhost', 'the envelope too');
    assert.doesNotMatch(raw.raw.toString('latin1'), /127\.0\.0\.1>|@127\.0\.0\.1/);
    assert.equal(mail.subject, 'Bakery: please confirm your subscription');
    assert.match(mail.text!, /emails from Bakery at this address, through the form “Newsletter” \(lists: Offers, Weekly news\)/);
    assert.equal(mail.headers.get('dkim-signature'), undefined, 'no key, no signature');
  });

  it('with a sender profile: from its company on its sending domain, Reply-To its contact, DKIM-signed; the access link too', async () => {
    const saved = await f.app.inject({ method: 'PUT', url: '/api/v1/sender-profile', headers: f.auth, payload: profile });
    assert.equal(saved.statusCode, 200, saved.body);
    const dnsRecord = saved.json().dkimDnsRecord as string;
    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === `${saved.json().dkimSelector}._domainkey.bakery.example`) return [[dnsRecord]];
      throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
    };

    const { raw, mail } = await signUp('with-profile@example.com', 'fr');
    assert.deepEqual(mail.from?.value[0], { name: 'Bakery SAS', address: 'noreply@bakery.example' });
    assert.equal(mail.replyTo?.value[0].address, 'hello@bakery.example');
    assert.equal(raw.from, 'noreply@bakery.example');
    assert.equal(mail.subject, 'Bakery SAS : veuillez confirmer votre inscription');
    assert.match(mail.text!, /des e-mails de Bakery SAS à cette adresse, par le formulaire « Newsletter » \(listes : Offers, Weekly news\)/);
    const verified = await dkimVerify(raw.raw, { resolver });
    assert.equal(verified.results[0].status.result, 'pass', JSON.stringify(verified.results[0].status));
    assert.equal(verified.results[0].signingDomain, 'bakery.example');
    // the link in the signed mail still works
    assert.ok(linkIn(mail.text!, '/p/confirm'));

    await signUpAndConfirm(f, form, 'reader@example.com');
    const access = await askAccess('reader@example.com');
    assert.deepEqual(access.mail.from?.value[0], { name: 'Bakery SAS', address: 'noreply@bakery.example' });
    assert.equal(access.mail.subject, 'Your link to the data Bakery SAS holds about you');
    assert.match(access.mail.text!, /you asked to see the data Bakery SAS holds about this address/);
    assert.equal((await dkimVerify(access.raw.raw, { resolver })).results[0].status.result, 'pass');
    const page = await f.app.inject({ url: linkIn(access.mail.text!, '/p/my-data') });
    assert.equal(page.statusCode, 200);
  });

  it('another workspace\'s mails come from its own profile and key; one workspace\'s access page mails nothing for the other\'s address', async () => {
    const system = { type: 'system' as const, id: null };
    const ws = await createWorkspace({ db: t.db, name: 'Pastry', actor: system, now: f.clock.now });
    const token = (await createApiToken({ db: t.db, workspaceId: ws.id, name: 't', role: 'admin', actor: system, now: f.clock.now })).token;
    const lists = [await t.db.insertInto('lists').values({ workspace_id: ws.id, name: 'Cakes' }).returning(['id', 'name']).executeTakeFirstOrThrow()];
    const g: Fixture = { ...f, workspace: { id: ws.id, slug: ws.slug }, token, lists, auth: { authorization: `Bearer ${token}` } };
    const saved = await f.app.inject({ method: 'PUT', url: '/api/v1/sender-profile', headers: g.auth, payload: { ...profile, company: 'Pastry SARL', contactEmail: 'hi@pastry.example', domains: ['pastry.example'], returnPathDomain: 'bounces.pastry.example' } });
    assert.equal(saved.statusCode, 200, saved.body);
    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === `${saved.json().dkimSelector}._domainkey.pastry.example`) return [[saved.json().dkimDnsRecord]];
      throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
    };
    const theirForm = await createTestForm(g);
    await signUpAndConfirm(g, theirForm, 'pastry-only@example.com');
    const n = f.sink.count();
    const asked = await f.app.inject({ method: 'POST', url: `/p/access/${f.workspace.slug}`, headers: FORM, payload: formBody({ email: 'pastry-only@example.com' }) });
    assert.equal(asked.statusCode, 200);
    const theirs = await f.app.inject({ method: 'POST', url: `/p/access/${ws.slug}`, headers: FORM, payload: formBody({ email: 'pastry-only@example.com' }) });
    assert.equal(theirs.statusCode, 200);
    await f.sink.waitFor(n + 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(f.sink.count(), n + 1, 'one link: the Bakery page knows no such address');
    const mail = await f.sink.parse(n);
    assert.deepEqual(mail.from?.value[0], { name: 'Pastry SARL', address: 'noreply@pastry.example' });
    assert.equal(mail.replyTo?.value[0].address, 'hi@pastry.example');
    assert.doesNotMatch(f.sink.messages[n].raw.toString('latin1'), /Bakery|bakery\.example/);
    const verified = await dkimVerify(f.sink.messages[n].raw, { resolver });
    assert.equal(verified.results[0].status.result, 'pass', JSON.stringify(verified.results[0].status));
    assert.equal(verified.results[0].signingDomain, 'pastry.example');
  });
});
