/**
 * The send journal (send-journal.ts, send-worker.ts): a worker appends each row's line just before its final dot,
 * and a worker of the same host marks `sent` the rows a dead worker's journal names before it puts expired claims
 * back, so those messages are never sent again; rows not in the journal are sent once. Journals of a live
 * process or of another database are left alone. Through the worker and a real SMTP server on loopback, on PGlite
 * and PostgreSQL; the dead writer is a real process, killed with SIGKILL after writing its lines.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { countRecipientStates } from '../src/campaigns/campaigns.repository.js';
import type { Db } from '../src/db/database.js';
import { claimRecipients, outboxFingerprint } from '../src/sending/outbox.repository.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { findLeftJournals } from '../src/sending/send-journal.js';

const secret = 'journal-test-secret-0123456789abcdef';
const baseUrl = 'https://lists.shop.example';

/**
 * A process that opens a journal with the real module, writes a line for each id under the claim
 * `<host>:<its pid>/1`, then kills itself with SIGKILL ('kill') or waits to be stopped ('live').
 */
async function journalWriter(options: { dir: string; fingerprint: string; ids: number[]; mode: 'kill' | 'live'; retract?: number[] }): Promise<{ child: ChildProcess; pid: number; claim: string }> {
  const code = `import('./src/sending/send-journal.ts').then((m) => {
    const [dir, fingerprint, ids, mode, retract] = process.argv.slice(1);
    const j = m.openSendJournal({ dir, fingerprint });
    for (const id of JSON.parse(ids)) j.record(id, ${JSON.stringify(hostname())} + ':' + process.pid + '/1');
    for (const id of JSON.parse(retract)) j.retract(id, ${JSON.stringify(hostname())} + ':' + process.pid + '/1');
    process.stdout.write('ready\\n');
    if (mode === 'kill') process.kill(process.pid, 'SIGKILL'); else setInterval(() => {}, 1000);
  })`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code, options.dir, options.fingerprint, JSON.stringify(options.ids), options.mode, JSON.stringify(options.retract ?? [])], {
    cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.once('exit', (c, s) => { if (options.mode === 'live') reject(new Error(`journal writer exited early: ${c ?? s}`)); });
  });
  if (options.mode === 'kill') await new Promise<void>((resolve) => { if (child.exitCode !== null || child.signalCode) resolve(); else child.once('exit', () => resolve()); });
  return { child, pid: child.pid!, claim: `${hostname()}:${child.pid}/1` };
}

async function aCampaign(db: Db, emails: string[]) {
  const ws = await aWorkspace(db);
  await someContacts(db, ws, emails.map((email) => ({ email })));
  const created = await createCampaign({ db, workspaceId: ws.workspaceId, now: new Date(), input: {
    name: 'Journal', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hello {{ contact.email }}</p>',
  } });
  assert.ok(created.ok);
  const started = await startSend({ db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret, baseUrl, now: new Date() });
  assert.ok(started.ok);
  const rows = await sql<{ id: number; email: string }>`select id, email from send_recipients where send_id = ${started.value.sendId} order by id`.execute(db);
  return { sendId: started.value.sendId, rows: rows.rows.map((r) => ({ id: Number(r.id), email: r.email })) };
}

forEachDatabase('send journal', (t) => {
  let sink: SmtpSink;
  let dir: string;
  // Set by a test: called as the server reads each message's final dot.
  let onDot: ((rcpts: string[]) => void) | undefined;
  before(async () => {
    sink = await startSmtpSink({ refuseData: (rcpts) => { onDot?.(rcpts); return undefined; } });
  });
  after(async () => { await sink.close(); });

  it('a dead worker\'s journal: its rows are marked sent and never sent again; the rest once; other journals left alone', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lw-journal-'));
    const live: ChildProcess[] = [];
    const workers: { stop(): Promise<void> }[] = [];
    try {
      const emails = Array.from({ length: 20 }, (_, i) => `j${i}@example.net`);
      const { sendId, rows } = await aCampaign(t.db, emails);
      const fingerprint = await outboxFingerprint(t.db);
      // The dead worker: 8 rows claimed under its claim, whose lease has run out; the dots of 5 went out.
      const dead = await journalWriter({ dir, fingerprint, ids: rows.slice(0, 5).map((r) => r.id), mode: 'kill' });
      const claimed = await claimRecipients(t.db, { claim: dead.claim, sendId, limit: 8, leaseMs: 1 });
      assert.deepEqual(claimed.map((r) => r.id), rows.slice(0, 8).map((r) => r.id));
      // A live process's journal and a dead one of another database name rows of this send: left alone.
      const alive = await journalWriter({ dir, fingerprint, ids: [rows[8].id], mode: 'live' });
      live.push(alive.child);
      const other = await journalWriter({ dir, fingerprint: `${fingerprint}-another-database`, ids: [rows[9].id], mode: 'kill' });
      const files = readdirSync(dir).sort();
      assert.equal(files.length, 3);
      const deadFile = files.find((f) => f.includes(`-${dead.pid}-`))!;
      const deadWrittenAt = statSync(join(dir, deadFile)).mtime;
      await new Promise((r) => setTimeout(r, 20));

      const logs: Record<string, unknown>[] = [];
      const worker = startSendWorker({ db: t.db, workerId: 'w-journal', smtp: { host: sink.host, port: sink.port }, connections: 4, batchSize: 12, leaseMs: 30_000, pollMs: 10, secret, baseUrl, journal: { dir }, log: (e) => logs.push(e) }, { loop: false });
      workers.push(worker);
      while ((await worker.runOnce()) > 0);
      const ownFile = readdirSync(dir).find((f) => f.includes(`-${process.pid}-`));
      assert.ok(ownFile, 'the worker keeps a journal while it runs');
      await worker.stop();

      const received = sink.messages.filter((m) => emails.includes(m.to[0])).map((m) => m.to[0]);
      for (const r of rows.slice(0, 5)) assert.ok(!received.includes(r.email), `${r.email}: its dot went out before the kill; not sent again`);
      assert.deepEqual(received.sort(), rows.slice(5).map((r) => r.email).sort(), 'every other recipient once');
      assert.deepEqual(await countRecipientStates(t.db, sendId), { sent: 20 });
      const marked = await sql<{ id: number; sent_at: Date; lease_until: Date | null }>`select id, sent_at, lease_until from send_recipients where id in (${sql.join(rows.slice(0, 5).map((r) => r.id))}) order by id`.execute(t.db);
      for (const r of marked.rows) {
        assert.equal(r.lease_until, null);
        assert.equal(new Date(r.sent_at).getTime(), deadWrittenAt.getTime(), 'sent when the journal was last written');
      }
      const told = logs.filter((e) => /send journal of a stopped worker/.test(String(e.msg)));
      assert.deepEqual(told.map((e) => [e.pid, e.rows, e.marked]), [[dead.pid, 5, 5]]);
      assert.ok(logs.some((e) => /requeued recipients/.test(String(e.msg)) && e.requeued === 3), 'the 3 claimed rows without a journal line are put back');

      const left = readdirSync(dir).sort();
      assert.equal(left.length, 2, `the dead journal and the worker's own are gone: ${left.join(', ')}`);
      assert.ok(left.some((f) => f.includes(`-${alive.pid}-`)), 'a live process\'s journal is kept');
      assert.ok(left.some((f) => f.includes(`-${other.pid}-`)), 'another database\'s journal is kept');
    } finally {
      for (const w of workers) await w.stop();
      for (const c of live) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('each line is in the journal when the server reads the dot; cut back once its rows are committed; deleted at a clean stop', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lw-journal-'));
    const workers: { stop(): Promise<void> }[] = [];
    try {
      const emails = Array.from({ length: 30 }, (_, i) => `line${i}@example.net`);
      const { rows } = await aCampaign(t.db, emails);
      const idOf = new Map(rows.map((r) => [r.email, r.id]));
      const seen: string[] = [];
      const missing: string[] = [];
      onDot = (rcpts) => {
        const file = readdirSync(dir).find((f) => f.includes(`-${process.pid}-`));
        const text = file ? readFileSync(join(dir, file), 'utf8') : '';
        for (const r of rcpts) {
          seen.push(r);
          if (!new RegExp(`^${idOf.get(r)} w-lines/\\d+$`, 'm').test(text)) missing.push(r);
        }
      };
      const worker = startSendWorker({ db: t.db, workerId: 'w-lines', smtp: { host: sink.host, port: sink.port }, connections: 4, batchSize: 12, leaseMs: 30_000, pollMs: 10, secret, baseUrl, journal: { dir } }, { loop: false });
      workers.push(worker);
      while ((await worker.runOnce()) > 0);
      onDot = undefined;
      assert.equal(seen.length, 30);
      assert.deepEqual(missing, [], 'the line was written with the dot, before the server read it');
      const file = join(dir, readdirSync(dir).find((f) => f.includes(`-${process.pid}-`))!);
      const lines = readFileSync(file, 'utf8').split('\n').slice(1, -1);
      assert.deepEqual(lines.map((l) => Number(l.split(' ')[0])).sort((a, b) => a - b), rows.map((r) => r.id), 'one line per message');
      await worker.stop();
      assert.equal(existsSync(file), false, 'deleted at a clean stop');

      // Past its size limit the journal is cut back to its first line once every row it names is committed.
      const { rows: more } = await aCampaign(t.db, Array.from({ length: 10 }, (_, i) => `cut${i}@example.net`));
      const small = startSendWorker({ db: t.db, workerId: 'w-cut', smtp: { host: sink.host, port: sink.port }, connections: 4, batchSize: 12, leaseMs: 30_000, pollMs: 10, secret, baseUrl, journal: { dir, maxBytes: 64 } }, { loop: false });
      workers.push(small);
      while ((await small.runOnce()) > 0);
      const cut = join(dir, readdirSync(dir).find((f) => f.includes(`-${process.pid}-`))!);
      const text = readFileSync(cut, 'utf8');
      assert.match(text, /^listwarden-send-journal 1 \S+ \S+\n$/, 'only the first line is left');
      assert.equal(more.filter((r) => sink.messages.some((m) => m.to[0] === r.email)).length, 10);
      await small.stop();
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      onDot = undefined;
      for (const w of workers) await w.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

it('a line taken back (its dot ended up waiting in Node\'s buffer) is not read as sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-journal-retract-'));
  try {
    // 7 and 8 are taken back: 5 and 6 count. Then another writer's 1 is taken back and 8 stays.
    const w = await journalWriter({ dir, fingerprint: 'db-retract', ids: [5, 6, 7, 8], mode: 'kill', retract: [7, 8] });
    const left = findLeftJournals({ dir, fingerprint: 'db-retract' });
    assert.equal(left.length, 1);
    assert.deepEqual(left[0].rows.map((r) => r.id).sort(), [5, 6]);
    assert.ok(left[0].rows.every((r) => r.claim === w.claim));
    const again = await journalWriter({ dir, fingerprint: 'db-retract', ids: [1, 8], mode: 'kill', retract: [1] });
    const second = findLeftJournals({ dir, fingerprint: 'db-retract' }).find((j) => j.pid === again.pid);
    assert.deepEqual(second?.rows.map((r) => r.id), [8]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
