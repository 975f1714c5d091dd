import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '../security/tokens.js';
import { confirmUrl, myDataUrl, oneClickUnsubscribeUrl, preferencesUrl, unsubscribeUrl, LINK_LIFETIME_MS } from './links.js';

const secret = 'links-test-secret-0123456789';
const now = new Date('2026-05-01T00:00:00Z');
const base = { baseUrl: 'https://lists.example.org/', secret, workspaceId: 'ws1', contactId: 'ct1', now };

function tokenOf(url: string): string {
  const u = new URL(url);
  return u.searchParams.get('t') ?? u.pathname.split('/').at(-1)!;
}

test('each builder signs a token for its own purpose and page', () => {
  const cases = [
    [unsubscribeUrl(base), 'unsubscribe', '/p/unsubscribe'],
    [preferencesUrl(base), 'preferences', '/p/preferences'],
    [myDataUrl(base), 'my-data', '/p/my-data'],
  ] as const;
  for (const [url, purpose, path] of cases) {
    assert.equal(new URL(url).pathname, path);
    const r = verify({ secret, purpose, token: tokenOf(url), now });
    assert.ok(r.ok, purpose);
    assert.deepEqual(r.ok && r.value.payload, { workspaceId: 'ws1', contactId: 'ct1' });
    assert.equal(r.ok && r.value.expiresAt.getTime(), now.getTime() + LINK_LIFETIME_MS[purpose]);
    // A link for one page does not open another.
    assert.equal(verify({ secret, purpose: 'one-click-unsubscribe', token: tokenOf(url), now }).ok, false);
  }
});

test('the one-click URI is HTTPS with the token in the path and no query', () => {
  const url = oneClickUnsubscribeUrl({ ...base, listId: 'l7', campaignId: 'cp', sendId: 's1' });
  const u = new URL(url);
  assert.equal(u.protocol, 'https:');
  assert.equal(u.search, '');
  assert.ok(u.pathname.startsWith('/u/'));
  const r = verify({ secret, purpose: 'one-click-unsubscribe', token: tokenOf(url), now });
  assert.deepEqual(r.ok && r.value.payload, { workspaceId: 'ws1', contactId: 'ct1', listId: 'l7', campaignId: 'cp', sendId: 's1' });
});

test('confirm links name the pending sign-up and expire after seven days by default', () => {
  const url = confirmUrl({ baseUrl: 'http://127.0.0.1:3000', secret, workspaceId: 'ws1', signupId: 'su1', now, lang: 'fr' });
  assert.equal(new URL(url).searchParams.get('lang'), 'fr');
  const r = verify({ secret, purpose: 'confirm', token: tokenOf(url), now });
  assert.deepEqual(r.ok && r.value.payload, { workspaceId: 'ws1', signupId: 'su1' });
  const weekLater = new Date(now.getTime() + 7 * 24 * 3600 * 1000);
  assert.deepEqual(verify({ secret, purpose: 'confirm', token: tokenOf(url), now: weekLater }), { ok: false, code: 'expired' });
});

test('a custom lifetime and a base URL with a path prefix are honoured', () => {
  const url = preferencesUrl({ ...base, baseUrl: 'https://example.org/lists', lifetimeMs: 60_000 });
  assert.ok(url.startsWith('https://example.org/lists/p/preferences?t='));
  const r = verify({ secret, purpose: 'preferences', token: tokenOf(url), now });
  assert.equal(r.ok && r.value.expiresAt.getTime(), now.getTime() + 60_000);
});

test('links are byte for byte what URL and its search params make of the base, path and query', () => {
  const bases = ['https://lists.example.org', 'https://lists.example.org/', 'https://example.org/lists/', 'https://example.org/lists',
    'http://127.0.0.1:3000', 'https://example.org/?x=1', 'https://example.org/a b/', 'https://example.org/x#frag', 'https://Exämple.org'];
  for (const baseUrl of bases) {
    for (const lang of [undefined, 'fr', 'a b&c=é']) {
      for (const [build, path] of [[unsubscribeUrl, '/p/unsubscribe'], [preferencesUrl, '/p/preferences'], [myDataUrl, '/p/my-data']] as const) {
        const out = build({ ...base, baseUrl, lang });
        const expected = new URL(path.slice(1), baseUrl.replace(/\/+$/, '') + '/');
        expected.searchParams.set('t', tokenOf(out));
        if (lang !== undefined) expected.searchParams.set('lang', lang);
        assert.equal(out, expected.toString(), `${baseUrl} ${lang}`);
        // The second link on the same page comes from the cached prefix and must be built the same way.
        assert.equal(build({ ...base, baseUrl, lang }).split('t=')[0], out.split('t=')[0]);
      }
    }
    // The one-click URI puts its token in the path; its prefix is cached per base, not per token.
    for (let i = 0; i < 2; i++) {
      const out = oneClickUnsubscribeUrl({ ...base, baseUrl });
      assert.equal(out, new URL(`u/${tokenOf(out)}`, baseUrl.replace(/\/+$/, '') + '/').toString(), baseUrl);
    }
  }
});
