// One returned mail through two doors acts once: uploaded by its workspace (POST /api/v1/bounces) and received for
// the platform by the inbound SMTP receiver, in either order. A soft bounce is counted once, not twice.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { dsn, sentCampaign, startIntakeDoors } from './bounces-intake-support.js';
import { system } from './send-support.js';
import { forEachDatabase } from './support/db.js';
import type { SmtpSink } from './support/smtp-sink.js';

forEachDatabase('one returned mail, two doors', (t) => {
  let doors: Awaited<ReturnType<typeof startIntakeDoors>>;
  let mx: SmtpSink;
  let app: FastifyInstance;
  before(async () => { doors = await startIntakeDoors(t.db); ({ mx, app } = doors); });
  after(async () => { await doors.close(); });

  const receive = (to: string, raw: string) => doors.deliver({ envelope: { from: 'mailer-daemon@mx.example.net', to: [to] }, raw });


  it('uploaded first, then received: the soft bounce is counted once, and the upload is not answered as a duplicate', async () => {
    const camp = await sentCampaign(t.db, mx, [{ email: 'full1@example.net' }, { email: 'full2@example.net' }]);
    const token = (await createApiToken({ db: t.db, workspaceId: camp.workspaceId, name: 'ops', role: 'editor', actor: system, now: new Date() })).token;
    const upload = (raw: string) => app.inject({ method: 'POST', url: '/api/v1/bounces', headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822' }, payload: raw });
    const counted = async (contactId: string) => (await t.db.selectFrom('bounces').select('id').where('contact_id', '=', contactId).execute()).length;
    const rows = async () => (await t.db.selectFrom('returned_mail').select('id').where('workspace_id', '=', camp.workspaceId).execute()).length;

    const one = camp.sent.get('full1@example.net')!;
    const mailOne = dsn({ to: one.returnPath, recipient: one.email, status: '4.2.2', action: 'failed', diagnostic: '452 4.2.2 Mailbox full', originalHeaders: one.headers });
    const first = await upload(mailOne);
    assert.equal(first.json().results[0].duplicate, false);
    assert.equal(first.json().results[0].recipients[0].effect, 'soft_counted');
    await receive(one.returnPath, mailOne);
    assert.equal(await counted(one.contactId), 1, 'counted once');
    assert.equal(await rows(), 1);

    // received first, then uploaded: the upload says it is the same mail, and nothing more is counted
    const two = camp.sent.get('full2@example.net')!;
    const mailTwo = dsn({ to: two.returnPath, recipient: two.email, status: '4.2.2', action: 'failed', diagnostic: '452 4.2.2 Mailbox full', originalHeaders: two.headers });
    await receive(two.returnPath, mailTwo);
    assert.equal(await counted(two.contactId), 1);
    const again = await upload(mailTwo);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().results[0].duplicate, true);
    assert.equal(again.json().results[0].outcome, 'acted');
    assert.equal(await counted(two.contactId), 1, 'still once');
    assert.equal(await rows(), 2);
  });
});
