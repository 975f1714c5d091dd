/**
 * The send worker's final dots (send-worker.ts, createSentGate): each message's "." is written straight to its
 * socket beside the group's COMMIT (on PostgreSQL the worker writes that COMMIT itself, on a pg client of its
 * pool), and the server's reply after the dot is still what decides the row: 250 sent, 451 queued again, 550
 * bounced. Through the worker and a real SMTP server on loopback, on PGlite and PostgreSQL.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { countRecipientStates, findRecipient } from '../src/campaigns/campaigns.repository.js';
import { databaseKind, postgresPoolOf } from '../src/db/database.js';
import { startSendWorker } from '../src/sending/send-worker.js';

const secret = 'final-dot-test-secret-0123456789abcd';
const baseUrl = 'https://lists.shop.example';

forEachDatabase('send final dot', (t) => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink({ refuseData: (rcpts) => {
      if (rcpts.includes('later@example.net')) return { code: 451, message: '4.3.0 Try again later' };
      if (rcpts.includes('refused@example.net')) return { code: 550, message: '5.7.1 Message refused' };
      return undefined;
    } });
  });
  after(async () => { await sink.close(); });

  it('writes every dot beside its commit; the reply after the dot decides: 250 sent, 451 queued again, 550 bounced', async () => {
    if (databaseKind(t.db) === 'postgres') assert.ok(postgresPoolOf(t.db), 'the worker can reach the pool to write its COMMIT itself');
    const ws = await aWorkspace(t.db);
    const ok = Array.from({ length: 30 }, (_, i) => `dot${i}@example.net`);
    const ids = await someContacts(t.db, ws, [...ok, 'later@example.net', 'refused@example.net'].map((email) => ({ email })));
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'Dots', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example',
      subject: 'Hi', html: '<p>Hello {{ contact.email }}</p>',
    } });
    assert.ok(created.ok);
    const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
    assert.ok(started.ok);
    const sendId = started.value.sendId;

    const logs: Record<string, unknown>[] = [];
    const worker = startSendWorker({ db: t.db, workerId: 'w-dots', smtp: { host: sink.host, port: sink.port }, connections: 4, batchSize: 12, leaseMs: 30_000, pollMs: 10, secret, baseUrl, random: () => 0.5, log: (e) => logs.push(e) }, { loop: false });
    while ((await worker.runOnce()) > 0);
    await worker.stop();

    const received = sink.messages.map((m) => m.to[0]).sort();
    assert.deepEqual(received, [...ok].sort(), 'each accepted recipient once; the refused ones not accepted');
    assert.deepEqual(logs.filter((e) => /final dot was queued/.test(String(e.msg))), [], 'every dot written at once');
    assert.deepEqual(await countRecipientStates(t.db, sendId), { sent: 30, queued: 1, bounced: 1 });
    const later = await findRecipient(t.db, ws.workspaceId, sendId, ids[30]);
    assert.equal(later?.state, 'queued');
    assert.match(String(later?.last_reply), /451/);
    const refused = await findRecipient(t.db, ws.workspaceId, sendId, ids[31]);
    assert.equal(refused?.state, 'bounced');
    assert.match(String(refused?.last_reply), /550/);
  });
});
