// Segments through HTTP: create/read/replace/delete, tenancy (another workspace's segment is not found), bad
// filters refused with their field paths, who a filter matches (each condition, all/any, values passed as
// parameters), and a campaign to a segment: the audience is lists ∪ segments, each contact once, and only the
// members the engine allows receive the mail (loopback SMTP).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { caller, testWorkspace, type Call } from './support/api.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const baseUrl = 'https://lists.shop.example';

forEachDatabase('segment api', (t) => {
  let app: FastifyInstance;
  let sink: SmtpSink;
  let ws: Awaited<ReturnType<typeof aWorkspace>>;
  let call: Call;
  let viewer: Call;
  let stranger: Call;
  let otherListId: string;
  const ids: Record<string, string> = {};
  const config = testConfig({ baseUrl });

  before(async () => {
    app = await buildApp({ db: t.db, config, logger: false, tokenCacheMs: 0 });
    sink = await startSmtpSink();
    ws = await aWorkspace(t.db);
    const token = async (role: 'editor' | 'viewer') => (await createApiToken({ db: t.db, workspaceId: ws.workspaceId, name: role, role, actor: system, now: new Date() })).token;
    call = caller(app, await token('editor'));
    viewer = caller(app, await token('viewer'));
    const other = await testWorkspace(t.db, 'Other');
    stranger = caller(app, other.tokens.editor);
    otherListId = (await t.db.insertInto('lists').values({ workspace_id: other.id, name: 'Theirs' }).returning('id').executeTakeFirstOrThrow()).id;
    // `ws.listId` is the campaign's list; "vip" is a second list that only segments name.
    const vip = (await t.db.insertInto('lists').values({ workspace_id: ws.workspaceId, name: 'VIP' }).returning('id').executeTakeFirstOrThrow()).id;
    ids.vip = vip;
    const specs = [
      { name: 'anna', email: 'anna@pro.example', country: 'FR', fields: { plan: 'pro', city: 'Paris' } },
      { name: 'bert', email: 'bert@pro.example', country: 'DE', fields: { plan: 'pro', note: '100% sure' } },
      { name: 'cleo', email: 'cleo@free.example', country: 'FR', fields: { plan: 'free', city: 'Lyon' } },
      { name: 'dora', email: 'dora@pro.example', country: 'FR', fields: { plan: 'pro' }, suppressed: true },
      { name: 'emil', email: 'emil@pro.example', country: 'FR', fields: { plan: 'pro' }, consent: 'none' as const },
      { name: 'finn', email: 'finn@corp.example', country: 'BE', fields: { plan: '' } },
    ];
    const made = await someContacts(t.db, { workspaceId: ws.workspaceId, listId: vip }, specs);
    specs.forEach((s, i) => { ids[s.name] = made[i]; });
    // On the campaign's list too: anna (also in the segment below, must get one mail) and cleo (not in it).
    await t.db.insertInto('list_memberships').values([ids.anna, ids.cleo].map((id) => ({ workspace_id: ws.workspaceId, list_id: ws.listId, contact_id: id }))).execute();
    await t.db.deleteFrom('list_memberships').where('list_id', '=', vip).where('contact_id', 'in', [ids.cleo, ids.finn]).execute();
    await t.db.updateTable('contacts').set({ kind: 'corporate' }).where('id', '=', ids.finn).execute();
    await t.db.updateTable('contacts').set({ created_at: '2025-06-01T00:00:00Z' }).where('id', 'in', [ids.anna, ids.bert]).execute();
    await t.db.updateTable('contacts').set({ created_at: '2026-02-01T00:00:00Z' }).where('id', 'not in', [ids.anna, ids.bert]).where('workspace_id', '=', ws.workspaceId).execute();
    await t.db.insertInto('activity_events').values([
      { workspace_id: ws.workspaceId, contact_id: ids.anna, type: 'click', at: '2026-01-10T00:00:00Z' },
      { workspace_id: ws.workspaceId, contact_id: ids.bert, type: 'purchase', at: '2025-03-01T00:00:00Z' },
      // An open is never engagement: cleo has engaged never.
      { workspace_id: ws.workspaceId, contact_id: ids.cleo, type: 'open', at: '2026-01-20T00:00:00Z' },
    ]).execute();
  });
  after(async () => { await app.close(); await sink.close(); });

  const members = async (filter: unknown) => {
    const r = await viewer('POST', '/api/v1/segments/preview?limit=50', { filter });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    const names = (r.body.members as { contactId: string }[]).map((m) => byId[m.contactId]).sort();
    assert.equal(r.body.total, names.length);
    return names;
  };
  const all = (...conditions: unknown[]) => ({ match: 'all', conditions });

  it('creates, reads, lists, replaces and deletes a segment; viewers only read', async () => {
    const body = { name: 'Pro in France', filter: all({ field: 'country', op: 'in', values: ['fr'] }, { field: 'custom', key: 'plan', op: 'equals', value: 'pro' }) };
    assert.equal((await viewer('POST', '/api/v1/segments', body)).status, 403);
    const created = await call('POST', '/api/v1/segments', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.filter.conditions[0], { field: 'country', op: 'in', values: ['FR'] }, 'country codes are stored upper-case');
    const id = created.body.id;
    assert.equal((await call('POST', '/api/v1/segments', body)).status, 409, 'names are unique per workspace');
    assert.equal((await viewer('GET', `/api/v1/segments/${id}`)).body.name, 'Pro in France');
    assert.deepEqual((await viewer('GET', '/api/v1/segments')).body.items.map((s: { id: string }) => s.id), [id]);
    const preview = await viewer('GET', `/api/v1/segments/${id}/preview`);
    assert.equal(preview.status, 200);
    assert.equal(preview.body.total, 3, 'anna, dora and emil: membership says nothing about consent');
    const replaced = await call('PUT', `/api/v1/segments/${id}`, { ...body, name: 'Pro', description: 'paying customers' });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.description, 'paying customers');
    assert.equal((await call('DELETE', `/api/v1/segments/${id}`)).status, 204);
    assert.equal((await viewer('GET', `/api/v1/segments/${id}`)).status, 404);
  });

  it('another workspace\'s segment is not found, whatever the call', async () => {
    const mine = await call('POST', '/api/v1/segments', { name: 'Mine', filter: all({ field: 'kind', op: 'in', values: ['consumer'] }) });
    assert.equal(mine.status, 201);
    const id = mine.body.id;
    assert.equal((await stranger('GET', `/api/v1/segments/${id}`)).status, 404);
    assert.equal((await stranger('GET', `/api/v1/segments/${id}/preview`)).status, 404);
    assert.equal((await stranger('PUT', `/api/v1/segments/${id}`, { name: 'Taken', filter: all({ field: 'kind', op: 'in', values: ['consumer'] }) })).status, 404);
    assert.equal((await stranger('DELETE', `/api/v1/segments/${id}`)).status, 404);
    assert.deepEqual((await stranger('GET', '/api/v1/segments')).body.items, []);
    // Their campaign cannot name my segment either.
    const theirs = await stranger('POST', '/api/v1/campaigns', { name: 'X', purpose: 'marketing', segmentIds: [id], fromAddress: 'a@their.example' });
    assert.equal(theirs.status, 400);
    assert.equal(theirs.body.error.issues[0].path, 'segmentIds.0');
    assert.equal((await viewer('GET', `/api/v1/segments/${id}`)).status, 200, 'still mine');
    // A filter on their list is refused, not silently empty.
    const foreignList = await call('POST', '/api/v1/segments', { name: 'Foreign', filter: all({ field: 'list', op: 'in', listId: otherListId }) });
    assert.equal(foreignList.status, 400);
    assert.equal(foreignList.body.error.issues[0].path, 'filter.conditions.0.listId');
    assert.match(foreignList.body.error.issues[0].message, /no such list in this workspace/);
  });

  it('refuses bad filters with a 400 that names the field and says what is wrong', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ match: 'all', conditions: [] }, 'body.filter.conditions', /at least one condition/],
      [{ match: 'most', conditions: [{ field: 'kind', op: 'in', values: ['consumer'] }] }, 'body.filter.match', /"all" or "any"/],
      [all({ field: 'age', op: 'in', values: ['1'] }), 'body.filter.conditions.0.field', /field must be one of country, kind/],
      [all({ field: 'custom', key: 'plan', op: 'equals' }), 'body.filter.conditions.0.value', /"equals" needs a value/],
      [all({ field: 'custom', key: 'plan', op: 'is_set', value: 'x' }), 'body.filter.conditions.0.value', /takes no value/],
      [all({ field: 'custom', key: '', op: 'is_set' }), 'body.filter.conditions.0.key', /names the custom field/],
      [all({ field: 'country', op: 'in', values: ['France'] }), 'body.filter.conditions.0.values.0', /ISO 3166-1 alpha-2/],
      [all({ field: 'created_at', op: 'before', value: 'last week' }), 'body.filter.conditions.0.value', /must be a date/],
      [all({ field: 'last_engaged_at', op: 'after' }), 'body.filter.conditions.0.value', /needs a date/],
      [all({ field: 'kind', op: 'in', values: ['robot'] }), 'body.filter.conditions.0.values.0', /consumer/],
      [all({ field: 'list', op: 'in', listId: 'x' }), 'body.filter.conditions.0.listId', /list id/],
      [all({ field: 'kind', op: 'in', values: ['consumer'], sql: '1=1' }), 'body.filter.conditions.0', /Unrecognized key/],
    ];
    for (const [filter, path, message] of cases) {
      const r = await call('POST', '/api/v1/segments', { name: 'Bad', filter });
      assert.equal(r.status, 400, JSON.stringify(filter));
      assert.equal(r.body.error.issues[0].path, path, JSON.stringify(r.body.error));
      assert.match(r.body.error.issues[0].message, message);
    }
    assert.equal((await viewer('GET', '/api/v1/segments')).body.items.some((s: { name: string }) => s.name === 'Bad'), false, 'nothing was stored');
  });

  it('matches each kind of condition, joined by all or any', async () => {
    assert.deepEqual(await members(all({ field: 'country', op: 'in', values: ['FR'] })), ['anna', 'cleo', 'dora', 'emil']);
    assert.deepEqual(await members(all({ field: 'country', op: 'not_in', values: ['FR', 'DE'] })), ['finn']);
    assert.deepEqual(await members(all({ field: 'kind', op: 'in', values: ['corporate'] })), ['finn']);
    assert.deepEqual(await members(all({ field: 'email_domain', op: 'in', values: ['Free.Example', 'corp.example'] })), ['cleo', 'finn']);
    assert.deepEqual(await members(all({ field: 'custom', key: 'plan', op: 'not_equals', value: 'pro' })), ['cleo', 'finn']);
    assert.deepEqual(await members(all({ field: 'custom', key: 'city', op: 'contains', value: 'PAR' })), ['anna'], 'contains ignores case');
    assert.deepEqual(await members(all({ field: 'custom', key: 'city', op: 'not_contains', value: 'par' })), ['bert', 'cleo', 'dora', 'emil', 'finn']);
    assert.deepEqual(await members(all({ field: 'custom', key: 'note', op: 'contains', value: '0%' })), ['bert'], '% is a character, not a wildcard');
    assert.deepEqual(await members(all({ field: 'custom', key: 'note', op: 'contains', value: '_' })), []);
    assert.deepEqual(await members(all({ field: 'custom', key: 'plan', op: 'is_set' })), ['anna', 'bert', 'cleo', 'dora', 'emil'], 'an empty value is not set');
    assert.deepEqual(await members(all({ field: 'custom', key: 'city', op: 'is_not_set' })), ['bert', 'dora', 'emil', 'finn']);
    assert.deepEqual(await members(all({ field: 'list', op: 'in', listId: ids.vip })), ['anna', 'bert', 'dora', 'emil']);
    assert.deepEqual(await members(all({ field: 'list', op: 'not_in', listId: ids.vip })), ['cleo', 'finn']);
    assert.deepEqual(await members(all({ field: 'created_at', op: 'before', value: '2026-01-01' })), ['anna', 'bert']);
    assert.deepEqual(await members(all({ field: 'created_at', op: 'after', value: '2026-01-01T00:00:00+01:00' })), ['cleo', 'dora', 'emil', 'finn']);
    assert.deepEqual(await members(all({ field: 'last_engaged_at', op: 'after', value: '2026-01-01' })), ['anna']);
    assert.deepEqual(await members(all({ field: 'last_engaged_at', op: 'before', value: '2026-01-01' })), ['bert']);
    assert.deepEqual(await members(all({ field: 'last_engaged_at', op: 'never' })), ['cleo', 'dora', 'emil', 'finn'], 'an open is not engagement');
    assert.deepEqual(await members(all({ field: 'country', op: 'in', values: ['FR'] }, { field: 'custom', key: 'plan', op: 'equals', value: 'free' })), ['cleo']);
    assert.deepEqual(await members({ match: 'any', conditions: [{ field: 'country', op: 'in', values: ['BE'] }, { field: 'custom', key: 'plan', op: 'equals', value: 'free' }] }), ['cleo', 'finn']);
  });

  it('passes what the operator typed as values: quotes and SQL in keys and values match nothing and break nothing', async () => {
    assert.deepEqual(await members(all({ field: 'custom', key: "plan' or '1'='1", op: 'is_set' })), []);
    assert.deepEqual(await members(all({ field: 'custom', key: 'plan', op: 'equals', value: "pro' or '1'='1" })), []);
    assert.deepEqual(await members(all({ field: 'custom', key: 'plan); drop table contacts; --', op: 'contains', value: "'); delete from segments; --" })), []);
    assert.deepEqual(await members(all({ field: 'custom', key: 'plan', op: 'equals', value: 'pro' })), ['anna', 'bert', 'dora', 'emil'], 'the table is still there');
  });

  it('a campaign to a list and a segment mails each eligible contact once, and nobody outside or blocked', async () => {
    const seg = await call('POST', '/api/v1/segments', { name: 'Pro', filter: all({ field: 'custom', key: 'plan', op: 'equals', value: 'pro' }) });
    assert.equal(seg.status, 201);
    const created = await call('POST', '/api/v1/campaigns', {
      name: 'Pro news', purpose: 'marketing', listIds: [ws.listId], segmentIds: [seg.body.id], fromName: 'Shop', fromAddress: 'news@shop.example',
      subject: 'Hello {{ contact.plan }}', html: '<p>Hi</p>',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    assert.equal((await call('DELETE', `/api/v1/segments/${seg.body.id}`)).status, 409, 'a draft campaign still names it');
    const check = await call('POST', `/api/v1/campaigns/${id}/check`);
    assert.equal(check.status, 200);
    // list: anna, cleo; segment: anna, bert, dora (suppressed), emil (no consent): five contacts, anna once.
    assert.deepEqual(check.body.audience, { total: 5, byVerdict: { send: 3, block: 2 }, byBlockCode: { suppressed: 1, no_consent: 1 } });
    const started = await call('POST', `/api/v1/campaigns/${id}/send`, { acknowledge: true });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.queued, 3);

    const worker = startSendWorker({ db: t.db, workerId: 'w-seg', smtp: { host: sink.host, port: sink.port }, connections: 2, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret: config.secretKey, baseUrl }, { loop: false });
    while ((await worker.runOnce()) > 0);
    await worker.stop();
    const got = sink.messages.map((m) => m.to[0]).sort();
    assert.deepEqual(got, ['anna@pro.example', 'bert@pro.example', 'cleo@free.example']);
    for (const blocked of [ids.dora, ids.emil]) {
      const why = await viewer('GET', `/api/v1/campaigns/${id}/recipients/${blocked}`);
      assert.equal(why.body.state, 'blocked');
    }
    assert.equal((await viewer('GET', `/api/v1/campaigns/${id}/recipients/${ids.finn}`)).status, 404, 'finn is neither on the list nor in the segment');
  });

  it('a segment whose list was deleted is refused where it is used, not read as nobody or everyone', async () => {
    const temp = (await t.db.insertInto('lists').values({ workspace_id: ws.workspaceId, name: 'Temp' }).returning('id').executeTakeFirstOrThrow()).id;
    const seg = await call('POST', '/api/v1/segments', { name: 'Not on temp', filter: all({ field: 'list', op: 'not_in', listId: temp }) });
    assert.equal(seg.status, 201);
    assert.equal((await viewer('GET', `/api/v1/segments/${seg.body.id}/preview`)).body.total, 6);
    const created = await call('POST', '/api/v1/campaigns', { name: 'Temp', purpose: 'marketing', segmentIds: [seg.body.id], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>' });
    assert.equal(created.status, 201);
    await t.db.deleteFrom('lists').where('id', '=', temp).execute();
    const preview = await viewer('GET', `/api/v1/segments/${seg.body.id}/preview`);
    assert.equal(preview.status, 400);
    assert.match(preview.body.error.message, /"Not on temp" names a list that no longer exists/);
    const check = await call('POST', `/api/v1/campaigns/${created.body.id}/check`);
    assert.equal(check.status, 400);
    assert.match(check.body.error.message, /names a list that no longer exists/);
  });
});
