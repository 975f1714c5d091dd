/** Outbox queries on both databases: the count of busy workers per host that sizes each worker's render threads. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachDatabase } from './support/db.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { claimRecipients, countHostWorkers } from '../src/sending/outbox.repository.js';

forEachDatabase('send outbox', (t) => {
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
    await claimRecipients(t.db, { claim: 'hostA:1/1', limit: 2, leaseMs: 60_000 });
    await claimRecipients(t.db, { claim: 'hostA:1/2', limit: 1, leaseMs: 60_000 });
    await claimRecipients(t.db, { claim: 'hostA:2/1', limit: 1, leaseMs: 60_000 });
    await claimRecipients(t.db, { claim: 'hostB:1/1', limit: 1, leaseMs: 60_000 });
    assert.equal(await countHostWorkers(t.db, 'hostA:'), 2, 'two workers of hostA, one of them with two batches');
    assert.equal(await countHostWorkers(t.db, 'hostB:'), 1);
    // A claim whose lease ran out is no longer a busy worker.
    await claimRecipients(t.db, { claim: 'hostC:1/1', limit: 1, leaseMs: -1000 });
    assert.equal(await countHostWorkers(t.db, 'hostC:'), 0);
  });
});
