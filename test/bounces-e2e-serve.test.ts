// `listwarden serve` with the bounce receiver switched on, as an operator runs it: returned mail for the
// return-path domain is taken over SMTP and kept, mail for any other domain is refused, SIGTERM stops both.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import nodemailer from 'nodemailer';
import { createDatabase } from '../src/db/database.js';

const dataDir = mkdtempSync(join(tmpdir(), 'lw-bounce-serve-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const entry = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

it('serve starts the receiver when configured: mail for the return-path domain is kept, other domains refused', async () => {
  const [httpPort, smtpPort] = [await freePort(), await freePort()];
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME, LISTWARDEN_LOG_LEVEL: 'warn',
    LISTWARDEN_BOUNCES_INBOUND_ENABLED: 'true', LISTWARDEN_BOUNCES_INBOUND_PORT: String(smtpPort), LISTWARDEN_BOUNCES_INBOUND_DOMAINS: 'bounces.example.com',
    LISTWARDEN_BOUNCES_INBOUND_MAX_BYTES: '65536',
  } as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, 'serve', '--port', String(httpPort), '--data-dir', dataDir, '--no-worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  try {
    let up = false;
    for (let i = 0; i < 150 && !up; i++) {
      await new Promise((r) => setTimeout(r, 200));
      up = await transport.verify().then(() => true, () => false);
    }
    assert.ok(up, `receiver came up: ${stderr}`);
    const dsnLike = 'From: MAILER-DAEMON@mx.example.net\r\nTo: b-xyz@bounces.example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <r1@mx.example.net>\r\n\r\n<gone@example.net>: 550 5.1.1 User unknown\r\n';
    const ok = await transport.sendMail({ envelope: { from: 'mailer-daemon@mx.example.net', to: ['b-xyz@bounces.example.com'] }, raw: dsnLike });
    assert.match(ok.response, /^250 .*Recorded as \d+/);
    await assert.rejects(transport.sendMail({ envelope: { from: 'a@example.net', to: ['someone@elsewhere.example'] }, raw: dsnLike }), /550/);
    await assert.rejects(transport.sendMail({ envelope: { from: 'a@example.net', to: ['x@bounces.example.com'] }, raw: dsnLike + 'x'.repeat(70_000) }), /552|size/i);
  } finally {
    transport.close();
    child.kill('SIGTERM');
  }
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  const db = await createDatabase({ dataDir });
  try {
    const kept = await db.selectFrom('returned_mail').select(['source', 'outcome', 'workspace_id']).execute();
    assert.deepEqual(kept, [{ source: 'smtp', outcome: 'unmatched', workspace_id: null }], 'kept, unmatched, in no workspace');
  } finally {
    await db.destroy();
  }
});
