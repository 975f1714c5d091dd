/**
 * A connection lost while a message waits for its final dot: the group's `sent` UPDATE already names its row, but
 * the dot cannot go. The row must never read `sent` (a kill of the worker then would leave it so for good, the
 * message never delivered): the COMMIT that carries the group's marks puts it back to `sending`. PostgreSQL only:
 * the case is made by another session holding the row's lock, so that the UPDATE answers only after the server
 * has dropped the connection; PGlite has one connection and cannot hold it.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { forEachDatabase } from './support/db.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { findRecipient } from '../src/campaigns/campaigns.repository.js';
import { databaseKind, postgresPoolOf } from '../src/db/database.js';
import { startSendWorker } from '../src/sending/send-worker.js';

const secret = 'held-drop-test-secret-0123456789abcd';
const baseUrl = 'https://lists.shop.example';

/** smtp-server that takes every message but drops the connection (after 200 ms) of one sent to drop@…, and answers slow@… late. */
async function droppingSink() {
  const delivered: string[] = [];
  const sockets = new Map<number, Socket>();
  let dropped!: () => void;
  const droppedP = new Promise<void>((r) => { dropped = r; });
  const server = new SMTPServer({
    logger: false, authOptional: true, disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      const to = session.envelope.rcptTo.map((r) => r.address);
      if (to.some((a) => a.startsWith('drop@'))) {
        // The body arrives; the dot is held by the worker. Drop the connection while it waits.
        stream.on('data', () => undefined);
        setTimeout(() => { sockets.get(session.remotePort)?.destroy(); dropped(); }, 200);
        return;
      }
      stream.on('data', () => undefined);
      // slow@…: its reply comes late, so the batch (and its outcomes) ends well after the dropped one's COMMIT.
      stream.on('end', () => { delivered.push(...to); setTimeout(cb, to.some((a) => a.startsWith('slow@')) ? 1500 : 0); });
    },
  });
  server.server.on('connection', (s: Socket) => { if (s.remotePort) sockets.set(s.remotePort, s); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  return { port, delivered, droppedP, close: () => new Promise<void>((r) => server.close(() => r())) };
}

forEachDatabase('send: a connection lost while the dot is held', (t) => {
  it('the row never reads sent, and the message is queued again, not delivered', { timeout: 60_000 }, async (ctx) => {
    if (databaseKind(t.db) !== 'postgres') { ctx.skip('needs a second session to hold the row lock'); return; }
    const sink = await droppingSink();
    const ws = await aWorkspace(t.db);
    const [dropId] = await someContacts(t.db, ws, [{ email: 'drop@example.net' }, { email: 'slow@example.net' }]);
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'Drop', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hello</p>' } });
    assert.ok(created.ok);
    const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
    assert.ok(started.ok);
    const sendId = started.value.sendId;
    const worker = startSendWorker({ db: t.db, workerId: 'w-drop', smtp: { host: '127.0.0.1', port: sink.port }, connections: 1, batchSize: 10,
      leaseMs: 30_000, pollMs: 10, secret, baseUrl, random: () => 0.5, log: () => undefined }, { loop: false });
    const other = await postgresPoolOf(t.db)!.connect();
    try {
      const run = worker.runOnce();
      // Once claimed (a claim skips a locked row), another session takes the row's lock: the worker's sent UPDATE
      // waits for it until the server has dropped the connection the message waits on; then the lock goes.
      for (let i = 0; i < 2000; i++) {
        if ((await findRecipient(t.db, ws.workspaceId, sendId, dropId))?.state === 'sending') break;
        await new Promise((r) => setTimeout(r, 2));
      }
      const row = await other.query('select id from send_recipients where send_id = $1 and contact_id = $2', [sendId, dropId]);
      await other.query('begin');
      await other.query('select id from send_recipients where id = $1 for update', [row.rows[0].id]);
      void sink.droppedP.then(() => setTimeout(() => { void other.query('commit'); }, 100));
      const seen = new Set<string>();
      let done = false;
      void run.finally(() => { done = true; });
      while (!done) {
        seen.add(String((await findRecipient(t.db, ws.workspaceId, sendId, dropId))?.state));
        await new Promise((r) => setTimeout(r, 10));
      }
      await run;
      const after = await findRecipient(t.db, ws.workspaceId, sendId, dropId);
      assert.deepEqual(sink.delivered, ['slow@example.net'], 'the dropped message never got its dot; the other one went');
      assert.ok(!seen.has('sent'), `the row read 'sent' while its message was unfinished: ${[...seen].join(', ')}`);
      assert.equal(after?.state, 'queued', 'queued again for another attempt');
    } finally {
      other.release();
      await worker.stop();
      await sink.close();
    }
  });
});
