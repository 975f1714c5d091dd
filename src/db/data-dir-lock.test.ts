import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAppError } from '../errors.js';
import { createDatabase } from './database.js';
import { commandSummary, heartbeatMs, lockDataDir, lockFileName, otherHostStaleMs, type LockHolder } from './data-dir-lock.js';

const work = mkdtempSync(join(tmpdir(), 'lw-lock-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const aDir = () => join(work, `d${n++}`);

// A pid that is certainly dead: a child that has already exited.
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
function staleLock(dir: string, content?: string): string {
  const holder: LockHolder = { pid: deadPid(), hostname: hostname(), command: 'listwarden serve', startedAt: '2026-01-01T00:00:00.000Z', nonce: 'dead0000' };
  writeFileSync(join(dir, lockFileName), content ?? JSON.stringify(holder));
  return join(dir, lockFileName);
}

describe('data directory lock', () => {
  it('is taken, refused to a second taker while held, and leaves nothing behind when released', async () => {
    const dir = aDir();
    const lock = await lockDataDir(dir, { command: 'listwarden serve' });
    assert.deepEqual(readdirSync(dir), [lockFileName]);
    const holder = JSON.parse(readFileSync(lock.path, 'utf8'));
    assert.equal(holder.pid, process.pid);
    await assert.rejects(lockDataDir(dir), (err) => {
      assert.ok(isAppError(err) && err.code === 'conflict');
      assert.match(err.message, new RegExp(`^The data directory ${dir} is in use by another Listwarden process \\(pid ${process.pid}, \`listwarden serve\`, since ${holder.startedAt}\\)`));
      return true;
    });
    lock.release();
    assert.deepEqual(readdirSync(dir), []);
    (await lockDataDir(dir)).release();
  });

  it('takes over a lock whose holder died, or that is not a lock at all', async () => {
    for (const content of [undefined, '', '{"pid":', 'garbage']) {
      const dir = aDir();
      await lockDataDir(dir).then((l) => l.release()); // creates the directory
      staleLock(dir, content);
      const lock = await lockDataDir(dir);
      assert.equal(JSON.parse(readFileSync(lock.path, 'utf8')).nonce, lock.holder.nonce);
      lock.release();
      assert.deepEqual(readdirSync(dir), [], 'no claim or temporary file left');
    }
  });

  it('keeps a lock held by a process on another host (it cannot tell whether that one is alive)', async () => {
    const dir = aDir();
    await lockDataDir(dir).then((l) => l.release());
    const path = staleLock(dir, JSON.stringify({ pid: 1, hostname: `not-${hostname()}`, command: 'listwarden serve', startedAt: 'x', nonce: 'n' }));
    await assert.rejects(lockDataDir(dir), new RegExp(`on host not-${hostname()}.*delete ${path}`));
  });

  it('takes over another host\'s lock once its heartbeat has stopped (a container recreated under a new name)', async () => {
    const dir = aDir();
    await lockDataDir(dir).then((l) => l.release());
    const path = staleLock(dir, JSON.stringify({ pid: 1, hostname: `not-${hostname()}`, command: 'listwarden serve', startedAt: 'x', nonce: 'n' }));
    const silentSince = new Date(Date.now() - otherHostStaleMs - 1000);
    utimesSync(path, silentSince, silentSince);
    const lock = await lockDataDir(dir);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).nonce, lock.holder.nonce);
    lock.release();
  });

  it('touches its own lock while it holds it, so that other hosts see it alive', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const dir = aDir();
    const lock = await lockDataDir(dir);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(lock.path, old, old);
    t.mock.timers.tick(heartbeatMs);
    assert.ok(Date.now() - statSync(lock.path).mtimeMs < 60_000, 'the heartbeat refreshed the lock');
    lock.release();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('two takers at once on a stale lock, in one process: exactly one wins', async () => {
    const dir = aDir();
    await lockDataDir(dir).then((l) => l.release());
    staleLock(dir);
    const results = await Promise.allSettled([lockDataDir(dir), lockDataDir(dir), lockDataDir(dir)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status === 'rejected' ? String(r.reason) : 'won')));
    for (const r of results) if (r.status === 'rejected') assert.ok(isAppError(r.reason) && r.reason.code === 'conflict', String(r.reason));
    const lock = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockDataDir>>>).value;
    assert.equal(JSON.parse(readFileSync(lock.path, 'utf8')).nonce, lock.holder.nonce);
    lock.release();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a taker that judged a lock stale just before another took it over leaves the new lock alone', async () => {
    const dir = aDir();
    await lockDataDir(dir).then((l) => l.release());
    staleLock(dir);
    // `late` reads the stale lock, then `early` takes it over completely, then `late` acts on what it read.
    let early: Promise<Awaited<ReturnType<typeof lockDataDir>>> | undefined;
    const late = lockDataDir(dir, { beforeTakeover: async () => {
      early ??= lockDataDir(dir);
      await early.catch(() => undefined);
    } });
    const results = await Promise.allSettled([late, late.finally(() => early)]);
    const winner = await early!;
    assert.equal(results[0].status, 'rejected', 'the late taker lost');
    assert.ok(isAppError((results[0] as PromiseRejectedResult).reason));
    assert.equal(JSON.parse(readFileSync(winner.path, 'utf8')).nonce, winner.holder.nonce, 'the early taker still holds its lock');
    winner.release();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('several processes at once on a stale lock: exactly one wins each round', async () => {
    const dir = aDir();
    await lockDataDir(dir).then((l) => l.release());
    // Each child waits for the same instant and tries; a winner holds on until every child has answered (its
    // stdin closes), so a late starter cannot win after an early winner let go.
    const script = `
      const [dir, at] = process.argv.slice(1);
      const { lockDataDir } = await import(${JSON.stringify(new URL('./data-dir-lock.ts', import.meta.url).href)});
      while (Date.now() < Number(at)) {}
      try { const l = await lockDataDir(dir); process.stdout.write('won'); process.stdin.resume().on('end', () => l.release()); }
      catch (err) { process.stdout.write(err.code ?? String(err)); }`;
    for (let round = 0; round < 1; round++) {
      staleLock(dir);
      const at = Date.now() + 1500;
      const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir, String(at)], { stdio: ['pipe', 'pipe', 'inherit'] }));
      const closed = children.map((child) => new Promise((resolve) => child.on('close', resolve)));
      const outcomes = await Promise.all(children.map((child) => new Promise<string>((resolve) => {
        child.stdout.once('data', (d) => resolve(String(d)));
        child.on('close', () => resolve('exited without answering'));
      })));
      for (const child of children) child.stdin.end();
      await Promise.all(closed);
      assert.deepEqual(outcomes.sort(), ['conflict', 'conflict', 'conflict', 'won'], `round ${round}`);
      assert.deepEqual(readdirSync(dir), [], 'the winner released it; no claim or temporary file left');
    }
  });

  it('createDatabase releases the lock when the directory cannot be opened', async () => {
    const dir = aDir();
    mkdirSync(join(dir, 'pglite'), { recursive: true });
    writeFileSync(join(dir, 'pglite', 'notes.txt'), 'not a database');
    await assert.rejects(createDatabase({ dataDir: dir }), /not empty but holds no PGlite database/);
    assert.deepEqual(readdirSync(dir), ['pglite']);
  });

  it('summarises the command without option values', () => {
    assert.equal(commandSummary(['/usr/bin/node', '/app/bin/listwarden', 'serve', '--port', '80']), 'listwarden serve');
    assert.equal(commandSummary(['node', '/app/bin/listwarden', 'admin', 'create-token', '--name', 'secret']), 'listwarden admin create-token');
    assert.equal(commandSummary(['node', 'import', '/tmp/list.csv', '--list', 'x']), 'listwarden import');
    assert.equal(commandSummary(['node', '/app/test/x.test.ts']), 'node x.test.ts');
  });
});
