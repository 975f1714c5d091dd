// Accounts through HTTP: one-time sign-in links, password sign-in, session cookies with CSRF, API tokens shown
// once and revocable, roles.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSignInLink } from '../src/auth/create-sign-in-link.js';
import { createUser } from '../src/users/create-user.js';
import { caller, testApp, testWorkspace, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';

function cookieFrom(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const line = (Array.isArray(raw) ? raw : [raw]).find((c) => typeof c === 'string' && c.startsWith('lw_session='));
  assert.ok(line, 'a session cookie is set');
  assert.match(line as string, /HttpOnly/i);
  assert.match(line as string, /SameSite=Lax/i);
  return (line as string).split(';')[0];
}

forEachDatabase('api auth', (t) => {
  let app: FastifyInstance;
  let ws: TestWorkspace;
  before(async () => {
    app = await testApp(t.db);
    ws = await testWorkspace(t.db, 'Auth');
  });
  after(async () => { await app.close(); });

  it('a sign-in link opens a session once; changes need the CSRF token', async () => {
    const user = await createUser({ db: t.db, workspaceId: ws.id, email: 'ed@example.com', role: 'editor', actor: { type: 'system', id: null }, now: new Date() });
    const link = await createSignInLink({ db: t.db, baseUrl: 'http://x', userId: user.id, workspaceId: ws.id, now: new Date() });
    const path = new URL(link.url).pathname;
    const first = await app.inject({ url: path });
    assert.equal(first.statusCode, 303);
    const cookie = cookieFrom(first);
    assert.equal((await app.inject({ url: path })).statusCode, 401, 'the link works once');

    const me = await app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
    assert.equal(me.json().role, 'editor');
    assert.equal(me.json().user.email, 'ed@example.com');
    const csrf = me.json().csrfToken;
    assert.ok(csrf);
    const body = { email: 'via-session@example.com', country: 'FR', source: { type: 'web_form' } };
    const noCsrf = await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { cookie }, payload: body });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(noCsrf.json().error.code, 'csrf');
    // an API caller is told which header is missing and where to read it, not that "the form expired"
    assert.match(noCsrf.json().error.message, /x-csrf-token header is missing.*GET \/api\/v1\/auth\/me/);
    assert.doesNotMatch(noCsrf.json().error.message, /form expired/);
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { cookie, 'x-csrf-token': csrf + 'x' }, payload: body });
    assert.equal(wrong.statusCode, 403);
    assert.match(wrong.json().error.message, /does not match this session.*\/api\/v1\/auth\/me/);
    const ok = await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { cookie, 'x-csrf-token': csrf }, payload: body });
    assert.equal(ok.statusCode, 201);

    const pw = await app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: { cookie, 'x-csrf-token': csrf }, payload: { password: 'a long enough secret' } });
    assert.equal(pw.statusCode, 204);
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'ed@example.com', password: 'a long enough secret' } });
    assert.equal(login.statusCode, 200);

    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-csrf-token': csrf } })).statusCode, 204);
    assert.equal((await app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode, 401, 'the session is over');
  });

  it('password sign-in: right password opens a session, wrong ones and unknown users answer alike', async () => {
    await createUser({ db: t.db, workspaceId: ws.id, email: 'pw@example.com', role: 'viewer', password: 'correct horse battery', actor: { type: 'system', id: null }, now: new Date() });
    const stored = await t.db.selectFrom('users').select('password_hash').where('email', '=', 'pw@example.com').executeTakeFirstOrThrow();
    assert.match(stored.password_hash!, /^scrypt\$/);
    const good = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'PW@example.com', password: 'correct horse battery' } });
    assert.equal(good.statusCode, 200);
    const cookie = cookieFrom(good);
    const me = await app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
    assert.equal(me.json().role, 'viewer');
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'pw@example.com', password: 'wrong horse battery' } });
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.com', password: 'wrong horse battery' } });
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual({ ...wrong.json().error, requestId: 0 }, { ...unknown.json().error, requestId: 0 });
    for (let i = 0; i < 9; i++) await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'pw@example.com', password: `guess ${i} of many` } });
    const limited = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'pw@example.com', password: 'correct horse battery' } });
    assert.equal(limited.statusCode, 429, 'guessing is slowed down, even with the right password at the end');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    // a viewer may read but not write
    const write = await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { cookie, 'x-csrf-token': good.json().csrfToken }, payload: { email: 'v@example.com', country: 'FR', source: { type: 'web_form' } } });
    assert.equal(write.statusCode, 403);
  });

  it('API tokens: shown once, stored hashed, no stronger than their maker, revocable at once', async () => {
    const admin = caller(app, ws.tokens.admin);
    const created = await admin('POST', '/api/v1/tokens', { name: 'ci', role: 'editor' });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^lwt_/);
    const listed = await admin('GET', '/api/v1/tokens');
    assert.ok(!JSON.stringify(listed.body).includes(created.body.token), 'the list never shows secrets');
    const rows = await t.db.selectFrom('api_tokens').select('token_hash').execute();
    assert.ok(rows.every((r) => r.token_hash !== created.body.token));
    assert.equal((await admin('POST', '/api/v1/tokens', { name: 'too strong', role: 'owner' })).status, 403);
    const ci = caller(app, created.body.token);
    assert.equal((await ci('GET', '/api/v1/contacts')).status, 200);
    assert.equal((await admin('DELETE', `/api/v1/tokens/${created.body.id}`)).status, 204);
    assert.equal((await ci('GET', '/api/v1/contacts')).status, 401);
    assert.equal((await caller(app, ws.tokens.editor)('GET', '/api/v1/tokens')).status, 403);
  });

  it('members: an admin adds people with a sign-in link but cannot make or change owners', async () => {
    const admin = caller(app, ws.tokens.admin);
    const added = await admin('POST', '/api/v1/members', { email: 'new@example.com', role: 'editor' });
    assert.equal(added.status, 201);
    assert.match(added.body.signInUrl, /\/sign-in\/lwl_/);
    assert.equal((await admin('POST', '/api/v1/members', { email: 'boss@example.com', role: 'owner' })).status, 403);
    const owner = caller(app, ws.tokens.owner);
    assert.equal((await owner('POST', '/api/v1/members', { email: 'boss@example.com', role: 'owner' })).status, 201);
    assert.equal((await admin('POST', '/api/v1/members', { email: 'boss@example.com', role: 'viewer' })).status, 403);
    const members = await admin('GET', '/api/v1/members');
    assert.deepEqual(members.body.items.filter((m: { email: string }) => ['new@example.com', 'boss@example.com'].includes(m.email)).map((m: { role: string }) => m.role).sort(), ['editor', 'owner']);
  });
});
