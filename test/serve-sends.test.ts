// `listwarden serve` is the whole platform on embedded PGlite, where no second process may open the data
// directory: a campaign queued there must be sent by serve itself, not only by `listwarden campaign-worker`.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { createDatabase } from '../src/db/database.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import { baseUrl, secret } from './bounces-intake-support.js';
import { aWorkspace, someContacts } from './send-support.js';
import { startServeWithSink } from './support/serve-with-sink.js';

it('serve sends a queued campaign to the configured SMTP server, to eligible recipients only', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lw-serve-send-'));
  const db = await createDatabase({ dataDir });
  await migrateOrThrow(db);
  const ws = await aWorkspace(db);
  await someContacts(db, ws, [
    { email: 'ann@example.org' }, { email: 'bob@example.org' }, { email: 'cy@example.org', consent: 'none' },
  ]);
  const created = await createCampaign({ db, workspaceId: ws.workspaceId, now: new Date(), input: {
    name: 'News', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hello', html: '<p>Hello</p>',
  } });
  assert.ok(created.ok);
  const started = await startSend({ db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: { type: 'user', id: 'u-1' }, acknowledged: true, secret, baseUrl, now: new Date() });
  assert.ok(started.ok);
  await db.destroy(); // PGlite: one process at a time on the directory

  const serve = await startServeWithSink(dataDir);
  try {
    await serve.waitForMessages(2);
    assert.deepEqual(serve.sink.messages.map((m) => m.to[0]).sort(), ['ann@example.org', 'bob@example.org']);
    await serve.stop();
  } finally {
    await serve.close();
  }
});
