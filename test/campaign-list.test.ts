// The list of campaigns through HTTP: newest first, without the bodies (a campaign is read whole on its own),
// paged with `before`, and one workspace never sees another's.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { caller, testWorkspace, type Call } from './support/api.js';
import { forEachDatabase } from './support/db.js';

forEachDatabase('campaign list', (t) => {
  let app: FastifyInstance;
  let call: Call;
  let stranger: Call;
  let clock = Date.parse('2026-05-01T09:00:00Z');

  before(async () => {
    // Each campaign a second after the one before: creation time orders the list.
    app = await buildApp({ db: t.db, config: testConfig({ baseUrl: 'https://lists.shop.example' }), logger: false, tokenCacheMs: 0, now: () => new Date(clock += 1000) });
    call = caller(app, (await testWorkspace(t.db, 'Shop')).tokens.editor);
    stranger = caller(app, (await testWorkspace(t.db, 'Other shop')).tokens.editor);
  });
  after(async () => { await app.close(); });

  it('lists newest first without the bodies, pages with before, and keeps workspaces apart', async () => {
    const listId = (await call('POST', '/api/v1/lists', { name: 'Customers' })).body.id;
    const html = `<p>${'Long newsletter text. '.repeat(500)}</p>`;
    const ids: string[] = [];
    for (const name of ['January', 'February', 'March']) {
      const c = await call('POST', '/api/v1/campaigns', { name, purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: name, html, text: 'Plain text' });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      ids.push(c.body.id);
    }
    await stranger('POST', '/api/v1/campaigns', { name: 'Not yours', purpose: 'marketing', fromName: 'Other', fromAddress: 'news@other.example', subject: 'x', html: '<p>x</p>' });

    const first = await call('GET', '/api/v1/campaigns?limit=2');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.items.map((c: { name: string }) => c.name), ['March', 'February']);
    assert.deepEqual(first.body.items.map((c: { subject: string; status: string }) => [c.subject, c.status]), [['March', 'draft'], ['February', 'draft']]);
    for (const c of first.body.items) assert.ok(!('html' in c) && !('text' in c), `no bodies in the list: ${Object.keys(c).join(', ')}`);
    assert.equal(first.body.next, ids[1]);

    const second = await call('GET', `/api/v1/campaigns?limit=2&before=${first.body.next}`);
    assert.deepEqual([second.body.items.map((c: { name: string }) => c.name), second.body.next], [['January'], null]);

    // one campaign is still read whole
    const one = await call('GET', `/api/v1/campaigns/${ids[0]}`);
    assert.deepEqual([one.body.html, one.body.text], [html, 'Plain text']);

    assert.deepEqual((await stranger('GET', '/api/v1/campaigns')).body.items.map((c: { name: string }) => c.name), ['Not yours']);
    assert.deepEqual((await stranger('GET', `/api/v1/campaigns?before=${ids[2]}`)).body.items, [], 'another workspace\'s id pages nothing');
    assert.equal((await call('GET', '/api/v1/campaigns?before=nope')).status, 400);
  });
});
