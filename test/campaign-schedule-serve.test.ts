// `listwarden serve` starts a scheduled send by itself when it is due: the campaign is scheduled a few seconds
// ahead, then only the server process runs; every message must reach the SMTP sink, none before the time.
import assert from 'node:assert/strict';
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
import { startServeWithSink } from './support/serve-with-sink.js';

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

  const serve = await startServeWithSink(dataDir);
  try {
    await serve.waitForMessages(2);
    assert.deepEqual(serve.sink.messages.map((m) => m.to[0]).sort(), ['ann@example.org', 'bob@example.org']);
    for (const m of serve.sink.messages) assert.ok(m.at >= scheduledAt.getTime(), `received ${new Date(m.at).toISOString()}, scheduled for ${scheduledAt.toISOString()}`);
    await serve.stop();
  } finally {
    await serve.close();
  }
});
