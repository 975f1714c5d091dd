// The List-Unsubscribe mailto of a campaign mail, used as a mail client does: a message to the signed return
// path with the subject the header asks for, through the inbound SMTP receiver. It unsubscribes that recipient
// (it was kept as "not_bounce" and ignored); an ordinary reply to the same address changes nothing.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { sentCampaign, startIntakeDoors } from './bounces-intake-support.js';
import { system } from './send-support.js';
import { forEachDatabase } from './support/db.js';
import type { SmtpSink } from './support/smtp-sink.js';

forEachDatabase('unsubscribe by the List-Unsubscribe mailto', (t) => {
  let doors: Awaited<ReturnType<typeof startIntakeDoors>>;
  let mx: SmtpSink;
  let app: FastifyInstance;
  before(async () => { doors = await startIntakeDoors(t.db); ({ mx, app } = doors); });
  after(async () => { await doors.close(); });

  /** The mailto of the mail's List-Unsubscribe header: its address and the subject it asks for. */
  function mailto(headers: string): { to: string; subject: string } {
    const unfolded = headers.replace(/\r\n[ \t]+/g, ' ');
    const m = /^List-Unsubscribe:.*<mailto:([^?>]+)\?subject=([^>]+)>/im.exec(unfolded);
    assert.ok(m, `a mailto in List-Unsubscribe: ${unfolded.slice(0, 500)}`);
    return { to: m[1], subject: decodeURIComponent(m[2]) };
  }

  const write = (from: string, to: string, subject: string, body: string) => doors.deliver({ from, to, subject, text: body });


  it('unsubscribes the recipient the return path names; a plain reply is only kept', async () => {
    const camp = await sentCampaign(t.db, mx, [{ email: 'leaving@example.net' }, { email: 'replying@example.net' }]);
    const token = (await createApiToken({ db: t.db, workspaceId: camp.workspaceId, name: 'ops', role: 'viewer', actor: system, now: new Date() })).token;
    const verdict = async (id: string) => (await app.inject({ url: `/api/v1/contacts/${id}/eligibility?channel=email&purpose=marketing`, headers: { authorization: `Bearer ${token}` } })).json();

    const leaving = camp.sent.get('leaving@example.net')!;
    const asked = mailto(leaving.headers);
    assert.equal(asked.subject, 'unsubscribe');
    assert.equal((await verdict(leaving.contactId)).verdict, 'send');
    await write('Leaving Person <leaving@example.net>', asked.to, asked.subject, 'This message will unsubscribe you.');
    const after = await verdict(leaving.contactId);
    assert.equal(after.verdict, 'block');
    assert.ok(after.reasons.some((r: { code: string }) => r.code === 'unsubscribed' || r.code === 'suppressed'), JSON.stringify(after.reasons));
    const suppression = await t.db.selectFrom('suppressions').select(['reason', 'scope']).where('contact_id', '=', leaving.contactId).where('lifted_at', 'is', null).execute();
    assert.deepEqual(suppression, [{ reason: 'unsubscribe', scope: 'marketing' }]);
    const actions = (await app.inject({ url: '/api/v1/bounces/actions?action=unsubscribe', headers: { authorization: `Bearer ${token}` } })).json().items;
    assert.deepEqual(actions.map((a: { contactId: string; effect: string }) => [a.contactId, a.effect]), [[leaving.contactId, 'unsubscribed']]);

    const replying = camp.sent.get('replying@example.net')!;
    await write('replying@example.net', mailto(replying.headers).to, 'Re: Hello', 'Thanks, lovely offers!');
    assert.equal((await verdict(replying.contactId)).verdict, 'send');
    const kept = await t.db.selectFrom('returned_mail').select(['kind', 'outcome']).where('source', '=', 'smtp').orderBy('id').execute();
    assert.deepEqual(kept.slice(-1), [{ kind: 'not_bounce', outcome: 'ignored' }]);
  });
});
