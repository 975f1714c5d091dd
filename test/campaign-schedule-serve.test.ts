// `listwarden serve` starts a scheduled send by itself when it is due: the campaign is scheduled a few seconds
// ahead, then only the server process runs; every message must reach the SMTP sink, none before the time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { sendCampaign } from '../src/campaigns/send-campaign.js';
import { createDatabase } from '../src/db/database.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import { baseUrl, secret } from './bounces-intake-support.js';
import { aWorkspace, someContacts } from './send-support.js';
import { startSmtpSink } from './support/smtp-sink.js';

const ROOT = join(import.meta.dirname, '..');
const entry = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;

it('serve starts a scheduled send when it is due and sends it to eligible recipients only', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lw-serve-schedule-'));
  const db = await createDatabase({ dataDir });
  await migrateOrThrow(db);
  const ws = await aWorkspace(db);
  await someContacts(db, ws, [{ email: 'ann@example.org' }, { email: 'bob@example.org' }, { email: 'cy@example.org', consent: 'none' }]);
  const scheduledAt = new Date(Date.now() + 4_000);
  const created = await createCampaign({ db, workspaceId: ws.workspaceId, now: new Date(), input: {
    name: 'Later', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hello', html: '<p>Hello</p>',
    scheduledAt: scheduledAt.toISOString(),
  } });
  assert.ok(created.ok);
  const scheduled = await sendCampaign({ db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: { type: 'user', id: 'u-1' }, acknowledged: true, secret, baseUrl, now: new Date() });
  assert.ok(scheduled.ok && scheduled.value.status === 'scheduled', JSON.stringify(scheduled));
  await db.destroy(); // PGlite: one process at a time on the directory

  const sink = await startSmtpSink();
  const port = 45000 + Math.floor(Math.random() * 2000);
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME, LISTWARDEN_LOG_LEVEL: 'warn', LISTWARDEN_SECRET_KEY: secret, LISTWARDEN_BASE_URL: baseUrl,
    LISTWARDEN_SMTP_HOST: sink.host, LISTWARDEN_SMTP_PORT: String(sink.port),
  } as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, 'serve', '--port', String(port), '--data-dir', dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  try {
    await sink.waitFor(2, 60_000).catch((err) => { throw new Error(`${(err as Error).message}\n${stderr}`); });
    await new Promise((r) => setTimeout(r, 500)); // nothing more may arrive
    assert.deepEqual(sink.messages.map((m) => m.to[0]).sort(), ['ann@example.org', 'bob@example.org']);
    for (const m of sink.messages) assert.ok(m.at >= scheduledAt.getTime(), `received ${new Date(m.at).toISOString()}, scheduled for ${scheduledAt.toISOString()}`);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sink.close();
  }
});
