// A list deleted while a sign-up form offers it, through HTTP: a sign-up waiting for its confirmation still
// confirms (it answered 500 on the missing list), into the lists that remain; a form with no list left is closed.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachDatabase } from './support/db.js';
import { createTestForm, FORM, formBody, hidden, linkIn, openFixture, type Fixture } from './public-fixture.js';

forEachDatabase('sign-up forms whose lists are deleted', (t) => {
  let f: Fixture;
  before(async () => { f = await openFixture(t.db); });
  after(async () => { await f.close(); });

  it('confirms into the lists that remain, and closes the form when none is left', async () => {
    const list = async (name: string) => (await f.app.inject({ method: 'POST', url: '/api/v1/lists', headers: f.auth, payload: { name } })).json().id as string;
    const [spring, autumn] = [await list('Spring'), await list('Autumn')];
    const form = await createTestForm(f, { name: 'Seasons', listIds: [spring, autumn] });
    const n = f.sink.count();
    const signup = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: formBody({ email: 'rosa@example.com', consent_email: 'yes', list: [spring, autumn] }) });
    assert.equal(signup.statusCode, 200);
    await f.sink.waitFor(n + 1);

    assert.equal((await f.app.inject({ method: 'DELETE', url: `/api/v1/lists/${autumn}`, headers: f.auth })).statusCode, 204);
    const page = await f.app.inject({ url: linkIn((await f.sink.parse(n)).text!, '/p/confirm') });
    const confirmed = await f.app.inject({ method: 'POST', url: '/p/confirm', headers: FORM, payload: formBody({ t: hidden(page.body, 't'), csrf: hidden(page.body, 'csrf') }) });
    assert.equal(confirmed.statusCode, 200, confirmed.body.slice(0, 300));
    assert.match(confirmed.body, /your subscription is confirmed/);
    const contact = (await f.app.inject({ url: '/api/v1/contacts?email=rosa@example.com', headers: f.auth })).json().items[0];
    const memberships = await t.db.selectFrom('list_memberships').select('list_id').where('contact_id', '=', contact.id).execute();
    assert.deepEqual(memberships.map((m) => m.list_id), [spring]);
    // the form offers only what is left
    const shown = await f.app.inject({ url: `/f/${form.publicId}` });
    assert.equal(shown.statusCode, 200);
    assert.doesNotMatch(shown.body, /Autumn/);

    assert.equal((await f.app.inject({ method: 'DELETE', url: `/api/v1/lists/${spring}`, headers: f.auth })).statusCode, 204);
    const closed = await f.app.inject({ url: `/f/${form.publicId}` });
    assert.equal(closed.statusCode, 410);
    assert.match(closed.body, /This sign-up form is closed: the lists it offered no longer exist\./);
    // the sign-up path keeps a form for 10 s; past that it sees the form closed too
    f.clock.now = new Date(f.clock.now.getTime() + 11_000);
    const late = await f.app.inject({ method: 'POST', url: `/f/${form.publicId}`, headers: FORM, payload: formBody({ email: 'sam@example.com', consent_email: 'yes', list: [spring] }) });
    assert.equal(late.statusCode, 410);
    assert.equal((await t.db.selectFrom('signups').select('id').where('email_normalized', '=', 'sam@example.com').execute()).length, 0, 'nothing stored');
  });
});
