/**
 * The workspace setting b2bColdEmail (RULES.md C-1) on the send path, on PGlite and PostgreSQL with a real SMTP
 * server on loopback: the start's evaluation and the second one just before sending both judge under the
 * workspace's current setting. A French company buyer with no consent but a role-relevant legitimate interest is
 * blocked under `forbidden`, mailed under `jurisdictional`, and not mailed if the setting goes back to
 * `forbidden` after queueing.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { findRecipient } from '../src/campaigns/campaigns.repository.js';
import { previewCampaign } from '../src/campaigns/preview-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import type { Db } from '../src/db/database.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { changeWorkspacePolicy } from '../src/workspaces/change-workspace-policy.js';

const secret = 'policy-send-secret-0123456789abcdef';
const baseUrl = 'https://lists.shop.example';
const disclosure = 'We found your address on your company website as packaging buyer; we write about packaging offers for your job. Reply STOP or use the link below to object.';

async function aCompanyBuyer(db: Db, ws: { workspaceId: string; listId: string }, email: string): Promise<string> {
  const row = await db.insertInto('contacts').values({
    workspace_id: ws.workspaceId, email, country: 'FR', kind: 'corporate', source_type: 'web_form', source_at: '2026-01-01T00:00:00Z',
    source_details: JSON.stringify({ legitimateInterest: { reason: 'packaging buyer', roleRelevant: true, informedAtCollection: true } }),
  }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('list_memberships').values({ workspace_id: ws.workspaceId, list_id: ws.listId, contact_id: row.id }).execute();
  return row.id;
}

forEachDatabase('send under the workspace policy', (t) => {
  let sink: SmtpSink;
  before(async () => { sink = await startSmtpSink(); });
  after(async () => { await sink.close(); });

  const setPolicy = (workspaceId: string, b2bColdEmail: 'forbidden' | 'jurisdictional') =>
    changeWorkspacePolicy({ db: t.db, workspaceId, policy: { b2bColdEmail }, actor: system, now: new Date() });

  it('the start and the second evaluation follow the setting', async () => {
    const ws = await aWorkspace(t.db);
    await someContacts(t.db, ws, [{ email: 'ann@example.net' }]);
    const buyer = await aCompanyBuyer(t.db, ws, 'claire.dubois@fabrique.example');
    const later = await aCompanyBuyer(t.db, ws, 'marc.petit@usine.example');
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'Packaging', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example',
      subject: 'New boxes', html: '<p>Our new boxes.</p>', legitimateInterestDisclosure: disclosure,
    } });
    assert.ok(created.ok);
    const options = { db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl };

    // forbidden (the default): the platform's CR-NO-05 blocks both buyers
    const strict = await previewCampaign({ ...options, now: new Date() });
    assert.ok(strict.ok);
    assert.deepEqual(strict.value.audience.byVerdict, { send: 1, block: 2 });
    assert.deepEqual(strict.value.audience.byBlockCode, { no_consent: 2 });

    // jurisdictional: French law decides (B2B opt-out on a role-relevant legitimate interest)
    await setPolicy(ws.workspaceId, 'jurisdictional');
    const started = await startSend({ ...options, now: new Date() });
    assert.ok(started.ok, started.ok ? '' : JSON.stringify(started.error.details));
    assert.equal(started.value.queued, 3);
    assert.equal(started.value.blocked, 0);
    const queued = await findRecipient(t.db, ws.workspaceId, started.value.sendId, buyer);
    assert.equal(queued?.verdict, 'send');
    assert.equal(queued?.basis, 'legitimate_interest');
    assert.ok((queued?.reasons as { rule: string }[]).some((r) => r.rule === 'C-1'), 'the stored reasons name the setting');

    // One message at a time under jurisdictional until one buyer has been mailed; then the setting goes back to
    // forbidden and the second evaluation, just before sending, stops the other buyer.
    const worker = startSendWorker({ db: t.db, workerId: 'w-policy', smtp: { host: sink.host, port: sink.port }, connections: 1, batchSize: 1, leaseMs: 30_000, pollMs: 10, secret, baseUrl, random: () => 0.5 }, { loop: false });
    const stateOf = async (id: string) => (await findRecipient(t.db, ws.workspaceId, started.value.sendId, id))?.state;
    let first: string | undefined;
    try {
      while (!first) {
        assert.equal(await worker.runOnce(), 1);
        for (const id of [buyer, later]) if ((await stateOf(id)) === 'sent') first = id;
      }
      await setPolicy(ws.workspaceId, 'forbidden');
      while ((await worker.runOnce()) > 0);
    } finally {
      await worker.stop();
    }
    const other = first === buyer ? later : buyer;
    const emailOf = (id: string) => (id === buyer ? 'claire.dubois@fabrique.example' : 'marc.petit@usine.example');
    const sentTo = sink.messages.map((m) => m.to[0]);
    assert.ok(sentTo.includes('ann@example.net'), 'consent is untouched by the setting');
    assert.ok(sentTo.includes(emailOf(first)), 'mailed under jurisdictional');
    const stopped = await findRecipient(t.db, ws.workspaceId, started.value.sendId, other);
    assert.equal(stopped?.state, 'blocked');
    assert.equal(stopped?.recheck_verdict, 'block');
    assert.ok((stopped?.recheck_reasons as { rule: string }[]).some((r) => r.rule === 'CR-NO-05'));
    assert.ok(!sentTo.includes(emailOf(other)), 'blocked after the switch back');
  });
});
