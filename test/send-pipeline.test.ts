/**
 * The sending pipeline end to end against a real database and a real SMTP server on loopback: headers (RFC 8058
 * pair, DKIM checked by mailauth), footer, VERP, the second evaluation before each message, bounces, retries.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { findRecipient } from '../src/campaigns/campaigns.repository.js';
import { unsubscribeContact } from '../src/public/unsubscribe-contact.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { decodeVerp } from '../src/sending/verp.js';
import { saveSenderProfile } from '../src/senders/save-sender-profile.js';
import { findSenderProfile } from '../src/senders/senders.repository.js';

const require = createRequire(import.meta.url);
const { dkimVerify } = require('mailauth/lib/dkim/verify.js');

const secret = 'pipeline-test-secret-0123456789abcdef';
const baseUrl = 'https://lists.shop.example';

forEachDatabase('send pipeline', (t) => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink({
      reject: (rcpt) => {
        if (rcpt === 'dead@example.net') return { code: 550, message: '5.1.1 User unknown' };
        if (rcpt === 'busy@example.net') return { code: 451, message: '4.3.0 Try again later' };
        return undefined;
      },
    });
  });
  after(async () => { await sink.close(); });

  it('sends each eligible recipient one signed message and nothing to anyone blocked', async () => {
    const ws = await aWorkspace(t.db);
    const ok = ['ann@example.net', 'bob@example.org', 'chloé@example.fr'.normalize(), 'dan@example.net'];
    const ids = await someContacts(t.db, ws, [
      ...ok.map((email, i) => ({ email, fields: { first_name: `<b>N${i}</b>` } })),
      { email: 'gone@example.net', suppressed: true },
      { email: 'never@example.net', consent: 'none' },
      { email: 'late@example.net' },
      { email: 'dead@example.net' },
      { email: 'busy@example.net' },
    ]);
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'Spring', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example',
      subject: 'Hello {{ contact.first_name }}', html: '<h1>Hi {{ contact.first_name }}</h1><p><a href="https://shop.example/sale">Sale</a></p>',
    } });
    assert.ok(created.ok);
    const campaignId = created.value.id;

    const refused = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId, actor: system, acknowledged: false, secret, baseUrl, now: new Date() });
    assert.equal(refused.ok, false, 'no send without the anti-spam acknowledgement');

    const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId, actor: { type: 'user', id: 'u-1' }, acknowledged: true, secret, baseUrl, now: new Date() });
    assert.ok(started.ok, started.ok ? '' : JSON.stringify(started.error.details));
    assert.equal(started.value.queued, 7);
    assert.equal(started.value.blocked, 2);
    assert.deepEqual(started.value.preview.audience.byBlockCode, { suppressed: 1, no_consent: 1 });

    // Unsubscribes after queueing: the second evaluation must stop the message.
    const late = ids[6];
    assert.ok((await unsubscribeContact({ db: t.db, workspaceId: ws.workspaceId, contactId: late, method: 'one_click', now: new Date() })).ok);

    const worker = startSendWorker({ db: t.db, workerId: 'w-test', smtp: { host: sink.host, port: sink.port }, connections: 3, batchSize: 4, leaseMs: 30_000, pollMs: 10, secret, baseUrl, random: () => 0.5, renderThreads: 2 }, { loop: false });
    while ((await worker.runOnce()) > 0);
    await worker.stop();

    const before = sink.messages.length;
    const mine = sink.messages.filter((m) => m.to.some((r) => ok.includes(r)));
    assert.deepEqual(mine.map((m) => m.to[0]).sort(), [...ok].sort(), 'each eligible recipient exactly once');
    const allTo = sink.messages.map((m) => m.to[0]);
    for (const blocked of ['gone@example.net', 'never@example.net', 'late@example.net']) assert.ok(!allTo.includes(blocked), `${blocked} got mail`);
    assert.equal(before, mine.length, 'nothing else was accepted');

    const sendId = started.value.sendId;
    const lateRow = await findRecipient(t.db, ws.workspaceId, sendId, late);
    assert.equal(lateRow?.state, 'blocked');
    assert.equal(lateRow?.verdict, 'send');
    assert.equal(lateRow?.recheck_verdict, 'block');
    assert.equal((lateRow?.recheck_reasons as { code: string }[]).find((r) => r.code === 'suppressed')?.code, 'suppressed');

    const dead = await findRecipient(t.db, ws.workspaceId, sendId, ids[7]);
    assert.equal(dead?.state, 'bounced');
    assert.match(dead?.last_reply ?? '', /5\.1\.1/);
    const bounce = await t.db.selectFrom('bounces').selectAll().where('contact_id', '=', ids[7]).executeTakeFirst();
    assert.equal(bounce?.type, 'hard');
    const busy = await findRecipient(t.db, ws.workspaceId, sendId, ids[8]);
    assert.equal(busy?.state, 'queued', '4xx is retried later');
    assert.match(busy?.last_reply ?? '', /4\.3\.0/);

    // One message in detail.
    const index = sink.messages.findIndex((m) => m.to[0] === 'ann@example.net');
    const raw = sink.messages[index].raw;
    const mail = await sink.parse(index);
    const header = (name: string) => mail.headerLines.filter((h) => h.key === name).map((h) => h.line.slice(name.length + 1).replace(/\r?\n\s*/g, ' ').trim());
    const lu = header('list-unsubscribe');
    assert.equal(lu.length, 1);
    assert.match(lu[0], /^<https:\/\/lists\.shop\.example\/u\/[\w.-]+>, <mailto:b-[\w-]+@bounces\.shop\.example\?subject=unsubscribe>$/);
    assert.deepEqual(header('list-unsubscribe-post'), ['List-Unsubscribe=One-Click']);
    assert.equal(mail.messageId, `<${sendId}.${ids[0]}@shop.example>`);
    assert.ok(header('feedback-id')[0].startsWith(`${sendId}:${campaignId}:`));
    assert.equal(mail.subject, 'Hello <b>N0</b>');
    assert.match(mail.html || '', /Hi &lt;b&gt;N0&lt;\/b&gt;/);
    assert.match(mail.html || '', /href="https:\/\/lists\.shop\.example\/t\/c\/[\w.-]+\/0"/);
    for (const part of [mail.html || '', mail.text || '']) {
      assert.match(part, /https:\/\/lists\.shop\.example\/p\/unsubscribe\?t=/);
      assert.match(part, /Shop SAS/);
      assert.match(part, /RCS Paris 123 456 789/);
    }
    assert.deepEqual(decodeVerp({ address: sink.messages[index].from, secret }), { sendId: String(sendId), recipientId: ids[0] });

    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === 'lw1._domainkey.shop.example') return [[ws.dnsRecord]];
      throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
    };
    const verified = await dkimVerify(raw, { resolver });
    assert.equal(verified.results[0].status.result, 'pass');
    const signed = String(verified.results[0].signingHeaders.keys).toLowerCase();
    assert.match(signed, /list-unsubscribe/);
    assert.match(signed, /list-unsubscribe-post/);
  });

  it('signs with an Ed25519 key (RFC 8463) when the profile has one; a text line starting with a dot arrives intact', async () => {
    const ws = await aWorkspace(t.db);
    const { dkimPrivateKeyPem: _old, workspaceId: _w, ...fields } = (await findSenderProfile(t.db, ws.workspaceId))!;
    const saved = await saveSenderProfile({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: { ...fields, dkimKeyType: 'ed25519' } });
    assert.ok(saved.ok);
    assert.equal(saved.value.dkimKeyType, 'ed25519');
    assert.match(saved.value.dkimDnsRecord, /^v=DKIM1; k=ed25519; p=/);
    await someContacts(t.db, ws, [{ email: 'ed@example.net' }]);
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'Ed', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi',
      html: '<p>Hi</p>', text: 'Prices\n.5 % off\n..and more\n.',
    } });
    assert.ok(created.ok);
    const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
    assert.ok(started.ok);
    const worker = startSendWorker({ db: t.db, workerId: 'w-ed', smtp: { host: sink.host, port: sink.port }, connections: 1, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret, baseUrl, renderThreads: 1 }, { loop: false });
    while ((await worker.runOnce()) > 0);
    await worker.stop();
    const index = sink.messages.findIndex((m) => m.to[0] === 'ed@example.net');
    assert.ok(index >= 0);
    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === 'lw1._domainkey.shop.example') return [[saved.value.dkimDnsRecord]];
      throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
    };
    const verified = await dkimVerify(sink.messages[index].raw, { resolver });
    assert.equal(verified.results[0].status.result, 'pass');
    assert.equal(verified.results[0].algo, 'ed25519-sha256');
    assert.match((await sink.parse(index)).text ?? '', /^Prices\n\.5 % off\n\.\.and more\n\.\n/);
  });

  it('paces per recipient domain: the second message to a domain waits, without using up an attempt', async () => {
    const ws = await aWorkspace(t.db);
    const ids = await someContacts(t.db, ws, [{ email: 'one@paced.example' }, { email: 'two@paced.example' }, { email: 'three@other.example' }]);
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'Paced', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>',
    } });
    assert.ok(created.ok);
    const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
    assert.ok(started.ok);
    const before = sink.messages.length;
    const worker = startSendWorker({ db: t.db, workerId: 'w-paced', smtp: { host: sink.host, port: sink.port }, connections: 1, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret, baseUrl, pacing: { perDomainPerMinute: 1 } }, { loop: false });
    assert.equal(await worker.runOnce(), 3);
    assert.equal(await worker.runOnce(), 0, 'the held-back message is not due yet');
    await worker.stop();
    const got = sink.messages.slice(before).map((m) => m.to[0]).sort();
    assert.equal(got.length, 2);
    assert.ok(got.includes('three@other.example'));
    const held = [await findRecipient(t.db, ws.workspaceId, started.value.sendId, ids[0]), await findRecipient(t.db, ws.workspaceId, started.value.sendId, ids[1])].find((r) => r?.state === 'queued');
    assert.ok(held, 'one of the two paced.example messages waits');
    assert.equal(held.attempts, 0);
    assert.match(held.last_reply ?? '', /held back/);
  });

  it('an SMTP server that cannot be reached puts the batch back for a retry instead of holding it for ever', { timeout: 30_000 }, async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const ws = await aWorkspace(t.db);
    const ids = await someContacts(t.db, ws, [{ email: 'ann@example.net' }, { email: 'bob@example.net' }, { email: 'cat@example.net' }]);
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'Down', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>',
    } });
    assert.ok(created.ok);
    const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
    assert.ok(started.ok);
    // more recipients than connections, so that some wait for a connection that never opens
    const worker = startSendWorker({ db: t.db, workerId: 'w-down', smtp: { host: '127.0.0.1', port }, connections: 2, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret, baseUrl, random: () => 0.5 }, { loop: false });
    try {
      assert.equal(await worker.runOnce(), 3);
    } finally {
      await worker.stop();
    }
    for (const id of ids) {
      const row = await findRecipient(t.db, ws.workspaceId, started.value.sendId, id);
      assert.equal(row?.state, 'queued', 'back in the queue');
      assert.equal(row?.attempts, 1);
      const due = await t.db.selectFrom('send_recipients').select('next_attempt_at').where('send_id', '=', started.value.sendId).where('contact_id', '=', id).executeTakeFirstOrThrow();
      assert.ok(new Date(due.next_attempt_at).getTime() > Date.now() + 30_000, 'after a backoff');
      assert.match(row?.last_reply ?? '', /^connect: /);
    }
  });
});
