// The commands as an operator runs them: migrate, serve (health, SIGTERM within 10 s), admin create-user,
// audit verify, and a bad setting stopping start-up with its name.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';

const dataDir = mkdtempSync(join(tmpdir(), 'lw-cli-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH, HOME: process.env.HOME, LISTWARDEN_LOG_LEVEL: 'warn' } as NodeJS.ProcessEnv;
const entry = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', entry, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 });
}

it('migrate sets up an empty data dir once, with a one-time sign-in link', () => {
  const first = cli(['migrate', '--data-dir', dataDir]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /applied: 0001_core/);
  assert.match(first.stdout, /Sign in once with: http:\/\/127\.0\.0\.1:3000\/sign-in\/lwl_/);
  const again = cli(['migrate', '--data-dir', dataDir]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /up to date/);
  assert.doesNotMatch(again.stdout, /sign-in/);
});

it('admin create-user adds a user to the default workspace and audit verify checks the chain', () => {
  const r = cli(['admin', 'create-user', '--email', 'ops@example.com', '--role', 'admin', '--data-dir', dataDir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /created ops@example.com as admin of workspace default/);
  assert.equal(cli(['admin', 'create-user', '--email', 'x@example.com', '--role', 'king', '--data-dir', dataDir]).status, 2);
  const token = cli(['admin', 'create-token', '--name', 'ci', '--role', 'viewer', '--data-dir', dataDir]);
  assert.equal(token.status, 0, token.stderr);
  assert.match(token.stdout, /^lwt_[\w-]{40,}$/m);
  const v = cli(['audit', 'verify', '--data-dir', dataDir]);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /audit chain intact: \d+ entries/);
});

it('a bad setting stops start-up naming it', () => {
  const r = cli(['serve', '--data-dir', dataDir], { LISTWARDEN_PORT: 'eighty' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /setting "port"/);
});

it('serve answers /healthz and stops on SIGTERM within 10 seconds', async () => {
  const port = 41000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, 'serve', '--port', String(port), '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  try {
    let health: Response | undefined;
    for (let i = 0; i < 100 && !health; i++) {
      await new Promise((r) => setTimeout(r, 200));
      health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    }
    assert.ok(health, `server came up: ${stderr}`);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0, stderr);
    assert.ok(Date.now() - started < 10_000);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
