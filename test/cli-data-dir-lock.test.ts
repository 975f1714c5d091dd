// One process at a time on an embedded (PGlite) data directory, through the real commands: while `serve` holds
// the directory, `admin create-token` and a second `serve` refuse it, naming the holder, and write nothing; after
// SIGTERM the lock is gone; after kill -9 of a holder the next command takes the stale lock over.
// Cost: ~25 s of CPU, mostly creating the directory (initdb, ~10 s) and opening PGlite in each command (~3.5 s).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createDatabase } from '../src/db/database.js';

const ROOT = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'lw-lock-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const lockFile = join(dataDir, 'pglite.lock');
const env = { PATH: process.env.PATH, HOME: process.env.HOME, LISTWARDEN_LOG_LEVEL: 'warn' } as NodeJS.ProcessEnv;
const entry = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;

function start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const cli = (args: string[]) => start(args).done;

async function serve(): Promise<ChildProcess> {
  const port = 45000 + Math.floor(Math.random() * 4000);
  const { child, done } = start(['serve', '--port', String(port), '--data-dir', dataDir, '--no-worker']);
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) assert.fail(`serve exited: ${(await done).stderr}`);
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  assert.fail('serve did not come up');
}

// Creating the directory (initdb, in a child process) is the slow part: done once, before the clock matters.
before(async () => {
  const r = await cli(['migrate', '--data-dir', dataDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(lockFile), false, 'released when the command ends');
});

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code)));

async function tokenNames(): Promise<string[]> {
  const db = await createDatabase({ dataDir });
  try {
    return (await db.selectFrom('api_tokens').select('name').orderBy('name').execute()).map((r) => r.name);
  } finally {
    await db.destroy();
  }
}

it('while serve holds the data directory, other commands refuse it; after SIGTERM it is free', async () => {
  const server = await serve();
  try {
    const holder = JSON.parse(readFileSync(lockFile, 'utf8'));
    assert.equal(holder.pid, server.pid);
    assert.equal(holder.command, 'listwarden serve');
    const [token, second] = await Promise.all([
      cli(['admin', 'create-token', '--name', 'refused', '--data-dir', dataDir]),
      cli(['serve', '--port', '0', '--data-dir', dataDir]),
    ]);
    for (const r of [token, second]) {
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`The data directory .+ is in use by another Listwarden process \\(pid ${server.pid}, \`listwarden serve\`, since `));
      assert.match(r.stderr, /DATABASE_URL/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
    }
    assert.equal(JSON.parse(readFileSync(lockFile, 'utf8')).nonce, holder.nonce, 'the holder keeps its lock');
    server.kill('SIGTERM');
    assert.equal(await exited(server), 0);
  } finally {
    server.kill('SIGKILL');
  }
  assert.equal(existsSync(lockFile), false, 'released on a clean stop');
  const token = await cli(['admin', 'create-token', '--name', 'later', '--data-dir', dataDir]);
  assert.equal(token.code, 0, token.stderr);
  assert.match(token.stdout, /^lwt_/m);
});

it('after kill -9 of the holder, the next command takes the stale lock over', async () => {
  // The holder only takes the lock and waits (cheaper than a second serve; serve's own lock is the one above).
  const script = `const { lockDataDir } = await import('./src/db/data-dir-lock.ts'); await lockDataDir(process.argv[1]); process.stdout.write('held\\n'); setInterval(() => {}, 1000);`;
  const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve, reject) => { holder.stdout!.once('data', resolve); holder.once('exit', reject); });
    const refused = await cli(['admin', 'create-token', '--name', 'refused-too', '--data-dir', dataDir]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`in use by another Listwarden process \\(pid ${holder.pid}, `));
  } finally {
    holder.kill('SIGKILL');
  }
  await exited(holder);
  assert.equal(JSON.parse(readFileSync(lockFile, 'utf8')).pid, holder.pid, 'left behind');
  const token = await cli(['admin', 'create-token', '--name', 'after-crash', '--data-dir', dataDir]);
  assert.equal(token.code, 0, token.stderr);
  assert.match(token.stdout, /^lwt_/m);
  assert.equal(existsSync(lockFile), false);
  assert.deepEqual(await tokenNames(), ['after-crash', 'later'], 'the refused commands wrote nothing');
});
