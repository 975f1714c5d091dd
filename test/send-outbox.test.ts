/**
 * Outbox queries on both databases: the count of busy workers per host that sizes each worker's render threads,
 * and the claim cursor (a worker claims onwards from the last id it took, and still reaches retries behind it).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachDatabase } from './support/db.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { claimRecipients, countHostWorkers } from '../src/sending/outbox.repository.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { controlSend } from '../src/campaigns/control-send.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const secret = 'outbox-secret-0123456789abcdef';

forEachDatabase('send outbox', (t) => {
  let sink: SmtpSink;
  // The first attempt to `later@` is refused for now (4xx); the next one is accepted.
  const refusedOnce = new Set<string>();
  before(async () => {
    sink = await startSmtpSink({ reject: (rcpt) => {
      if (rcpt !== 'later@example.net' || refusedOnce.has(rcpt)) return undefined;
      refusedOnce.add(rcpt);
      return { code: 451, message: '4.3.0 Try again later' };
    } });
  });
  after(async () => { await sink.close(); });

  it('claims onwards from its cursor, reaches a retry left behind it, and stores the verdict with each sent row', async () => {
    const ws = await aWorkspace(t.db);
    const emails = ['c1@example.net', 'later@example.net', 'c3@example.net', 'c4@example.net', 'c5@example.net', 'c6@example.net'];
    await someContacts(t.db, ws, emails.map((email) => ({ email })));
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'Cursor', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>',
    } });
    assert.ok(created.ok);
    const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl: 'https://x.example', now: new Date() });
    assert.ok(started.ok);
    // Ids in queue order: `later@` is claimed in the first batch of two, refused, and put back due at once,
    // below the cursor of every later claim.
    const worker = startSendWorker({ db: t.db, workerId: 'w-cursor', smtp: { host: sink.host, port: sink.port }, connections: 2, batchSize: 2,
      leaseMs: 30_000, pollMs: 10, secret, baseUrl: 'https://x.example', random: () => 0.5, retry: { baseMs: 0, maxMs: 0, maxAttempts: 3 } }, { loop: false });
    const claimed: number[] = [];
    for (let n = await worker.runOnce(); n > 0; n = await worker.runOnce()) claimed.push(n);
    await worker.stop();
    const delivered = sink.messages.map((m) => m.to[0]).filter((to) => emails.includes(to));
    assert.deepEqual([...delivered].sort(), [...emails].sort(), 'each recipient exactly once, the refused one after its retry');
    assert.equal(delivered.at(-1), 'later@example.net', 'the retry behind the cursor went out once the claims ahead ran short');
    assert.deepEqual(claimed, [2, 2, 2, 1], 'three batches ahead, then the one row behind the cursor');
    const rows = await t.db.selectFrom('send_recipients').select(['email', 'state', 'attempts', 'recheck_verdict', 'recheck_reasons'])
      .where('send_id', '=', started.value.sendId).execute();
    for (const r of rows) {
      assert.equal(r.state, 'sent', r.email);
      assert.equal(r.recheck_verdict, 'send', `${r.email}: the verdict just before sending is stored`);
      assert.ok(Array.isArray(r.recheck_reasons) && r.recheck_reasons.length > 0, `${r.email}: with its reasons`);
    }
    assert.equal(rows.find((r) => r.email === 'later@example.net')?.attempts, 2);
  });

  it('claims per send, oldest first: an older send paused and resumed goes on with the rows it had left, before a newer one', async () => {
    const ws = await aWorkspace(t.db);
    const emails = (p: string) => Array.from({ length: 4 }, (_, i) => `${p}${i}@example.net`);
    await someContacts(t.db, ws, [...emails('a'), ...emails('b')].map((email) => ({ email })));
    const lists = await Promise.all(['A', 'B'].map(async (name) => {
      const list = await t.db.insertInto('lists').values({ workspace_id: ws.workspaceId, name: `Cursor ${name}` }).returning('id').executeTakeFirstOrThrow();
      await t.db.insertInto('list_memberships').columns(['workspace_id', 'list_id', 'contact_id'])
        .expression((eb) => eb.selectFrom('contacts').select([eb.val(ws.workspaceId).as('w'), eb.val(list.id).as('l'), 'id'])
          .where('workspace_id', '=', ws.workspaceId).where('email', 'like', `${name.toLowerCase()}%`)).execute();
      return list.id;
    }));
    const start = async (listId: string) => {
      const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
        name: `Cursor ${listId}`, purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>',
      } });
      assert.ok(created.ok);
      const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl: 'https://x.example', now: new Date() });
      assert.ok(started.ok);
      return { campaignId: created.value.id, sendId: started.value.sendId };
    };
    const control = async (campaignId: string, action: 'pause' | 'resume') =>
      assert.ok((await controlSend({ db: t.db, workspaceId: ws.workspaceId, campaignId, action, actor: system, now: new Date() })).ok);
    const worker = startSendWorker({ db: t.db, workerId: 'w-sends', smtp: { host: sink.host, port: sink.port }, connections: 2, batchSize: 2,
      leaseMs: 30_000, pollMs: 10, secret, baseUrl: 'https://x.example', random: () => 0.5 }, { loop: false });
    const sentTo = async () => (await t.db.selectFrom('send_recipients').select(['email']).where('workspace_id', '=', ws.workspaceId).where('state', '=', 'sent').orderBy('sent_at').orderBy('id').execute()).map((r) => r.email);
    const a = await start(lists[0]);
    assert.equal(await worker.runOnce(), 2);
    await control(a.campaignId, 'pause');
    await start(lists[1]);
    assert.equal(await worker.runOnce(), 2, 'the newer send while the older one is paused');
    await control(a.campaignId, 'resume');
    assert.equal(await worker.runOnce(), 2);
    const order = await sentTo();
    assert.deepEqual(order.slice(0, 2).map((e) => e[0]), ['a', 'a']);
    assert.deepEqual(order.slice(2, 4).map((e) => e[0]), ['b', 'b']);
    assert.deepEqual(order.slice(4, 6).map((e) => e[0]), ['a', 'a'], 'the resumed older send goes first, with the rows it had left');
    while ((await worker.runOnce()) > 0);
    await worker.stop();
    assert.deepEqual((await sentTo()).sort(), [...emails('a'), ...emails('b')].sort(), 'everyone once');
  });

  it('counts the workers of one host that hold live claims, once each', async () => {
    const ws = await aWorkspace(t.db);
    await someContacts(t.db, ws, Array.from({ length: 6 }, (_, i) => ({ email: `o${i}@example.net` })));
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'Outbox', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>',
    } });
    assert.ok(created.ok);
    const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret: 'outbox-secret-0123456789abcdef', baseUrl: 'https://x.example', now: new Date() });
    assert.ok(started.ok);
    assert.equal(await countHostWorkers(t.db, 'hostA:'), 0);
    await claimRecipients(t.db, { claim: 'hostA:1/1', sendId: started.value.sendId, limit: 2, leaseMs: 60_000 });
    await claimRecipients(t.db, { claim: 'hostA:1/2', sendId: started.value.sendId, limit: 1, leaseMs: 60_000 });
    await claimRecipients(t.db, { claim: 'hostA:2/1', sendId: started.value.sendId, limit: 1, leaseMs: 60_000 });
    await claimRecipients(t.db, { claim: 'hostB:1/1', sendId: started.value.sendId, limit: 1, leaseMs: 60_000 });
    assert.equal(await countHostWorkers(t.db, 'hostA:'), 2, 'two workers of hostA, one of them with two batches');
    assert.equal(await countHostWorkers(t.db, 'hostB:'), 1);
    // A claim whose lease ran out is no longer a busy worker.
    await claimRecipients(t.db, { claim: 'hostC:1/1', sendId: started.value.sendId, limit: 1, leaseMs: -1000 });
    assert.equal(await countHostWorkers(t.db, 'hostC:'), 0);
  });
});
