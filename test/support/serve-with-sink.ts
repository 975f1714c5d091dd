// `listwarden serve` as its own process on a PGlite data directory, sending to a loopback SMTP sink: for tests
// that check what the running platform does by itself (queued and scheduled campaigns).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { baseUrl, secret } from '../bounces-intake-support.js';
import { startSmtpSink } from './smtp-sink.js';

const ROOT = join(import.meta.dirname, '..', '..');
const entry = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;

export async function startServeWithSink(dataDir: string) {
  const sink = await startSmtpSink();
  const port = 43000 + Math.floor(Math.random() * 4000);
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME, LISTWARDEN_LOG_LEVEL: 'warn', LISTWARDEN_SECRET_KEY: secret, LISTWARDEN_BASE_URL: baseUrl,
    LISTWARDEN_SMTP_HOST: sink.host, LISTWARDEN_SMTP_PORT: String(sink.port),
  } as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, 'serve', '--port', String(port), '--data-dir', dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return {
    sink,
    /** Waits for `count` messages, with the server's stderr in the error if they do not come. */
    async waitForMessages(count: number): Promise<void> {
      await sink.waitFor(count, 60_000).catch((err) => { throw new Error(`${(err as Error).message}\n${stderr}`); });
      await new Promise((r) => setTimeout(r, 500)); // nothing more may arrive
    },
    /** SIGTERM; the server must exit 0. */
    async stop(): Promise<void> {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    },
    async close(): Promise<void> {
      if (child.exitCode === null) child.kill('SIGKILL');
      await sink.close();
    },
  };
}
