// The start of a send writes the outbox page by page (inside its transaction on PostgreSQL, after the gate on
// PGlite), while the audience is evaluated: the rows stored are the engine's verdicts exactly as decided, and a
// refused start (the gate, a conflict) leaves nothing behind. On PGlite other requests go on meanwhile.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { previewCampaign } from '../src/campaigns/preview-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { createDatabase } from '../src/db/database.js';
import { evaluateRecipients } from '../src/sending/evaluate-recipients.js';
import { forEachDatabase } from './support/db.js';
import { aWorkspace, someContacts, system, type ContactSpec } from './send-support.js';

const secret = 'test-secret-0123456789abcdef0123456789';
const baseUrl = 'https://lists.shop.example';
const now = new Date('2026-03-01T10:00:00Z');

forEachDatabase('send start', (t) => {
  let ws: { workspaceId: string; listId: string };
  let ids: string[];
  let specs: ContactSpec[];

  before(async () => {
    ws = await aWorkspace(t.db);
    // 4,500 contacts: three pages of the evaluation (2,000 each). Every seventh unsubscribed, every eleventh without consent.
    specs = Array.from({ length: 4500 }, (_, i) => ({
      email: `p${i}@d${i % 13}.example`, fields: { first_name: `N${i}`, note: i % 5 === 0 ? 'ünï "quoted" \\ \u2603' : null },
      suppressed: i % 7 === 3, consent: i % 11 === 5 ? 'none' as const : 'double_opt_in' as const,
    }));
    ids = await someContacts(t.db, ws, specs);
  });

  const aCampaign = async (extra: Record<string, unknown> = {}, listId = ws.listId) => {
    const c = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now, input: {
      name: 'Spring', purpose: 'marketing', listIds: [listId], fromName: 'Shop', fromAddress: 'news@shop.example',
      subject: 'Hello {{ contact.first_name }}', html: '<p>Hi</p>', ...extra,
    } });
    if (!c.ok) throw c.error;
    return c.value.id;
  };
  const start = (campaignId: string) => startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId, actor: system, acknowledged: true, secret, baseUrl, now });
  const status = async (campaignId: string) => (await t.db.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirstOrThrow()).status;
  const countOf = async (table: 'sends' | 'send_recipients', campaignId: string) => Number((await sql<{ n: number }>`
    select count(*)::int as n from ${sql.table(table)} x
     where ${table === 'sends' ? sql`x.campaign_id` : sql`(select campaign_id from sends s where s.id = x.send_id)`} = ${campaignId}`.execute(t.db)).rows[0].n);

  it('stores one row per recipient with the verdict, basis and reasons the engine gives, and the preview\'s counts', async () => {
    const campaignId = await aCampaign();
    const preview = await previewCampaign({ db: t.db, workspaceId: ws.workspaceId, campaignId, secret, baseUrl, now });
    assert.ok(preview.ok && preview.value.check.ok);
    const started = await start(campaignId);
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    const { sendId } = started.value;
    assert.deepEqual(started.value.preview.audience, preview.value.audience);
    const expected = await evaluateRecipients({ db: t.db, workspaceId: ws.workspaceId, contactIds: ids, at: now, message: { channel: 'email', purpose: 'marketing', categories: [] } });
    const queued = [...expected.values()].filter((v) => v.answer.verdict === 'send').length;
    assert.ok(queued > 3000 && queued < 4500, `a mix of verdicts (${queued} queued)`);
    assert.equal(started.value.queued, queued);
    assert.equal(started.value.blocked, 4500 - queued);
    assert.equal(started.value.queued, preview.value.audience.byVerdict.send);

    const rows = await t.db.selectFrom('send_recipients')
      .select(['workspace_id', 'contact_id', 'email', 'idempotency_key', 'state', 'verdict', 'basis', 'reasons', 'next_attempt_at', 'attempts', 'claimed_by', 'recheck_verdict'])
      .where('send_id', '=', sendId).execute();
    assert.equal(rows.length, 4500);
    const byContact = new Map(rows.map((r) => [r.contact_id, r]));
    for (const [i, id] of ids.entries()) {
      const r = byContact.get(id);
      const v = expected.get(id)!;
      assert.ok(r, `a row for contact ${i}`);
      assert.deepEqual(
        { ...r, next_attempt_at: new Date(r.next_attempt_at as Date).toISOString() },
        { workspace_id: ws.workspaceId, contact_id: id, email: specs[i].email, idempotency_key: `${sendId}.${id}`, state: v.answer.verdict === 'send' ? 'queued' : 'blocked',
          verdict: v.answer.verdict, basis: v.answer.basis, reasons: v.answer.reasons, next_attempt_at: now.toISOString(), attempts: 0, claimed_by: null, recheck_verdict: null },
        `row of contact ${i}`,
      );
    }
    const send = await t.db.selectFrom('sends').select(['queued', 'blocked', 'status']).where('id', '=', sendId).executeTakeFirstOrThrow();
    assert.deepEqual(send, { queued, blocked: 4500 - queued, status: 'sending' });
    assert.equal(await status(campaignId), 'sending');

    const again = await start(campaignId);
    assert.ok(!again.ok);
    assert.equal(again.error.code, 'conflict', 'a campaign being sent is not started twice');
    assert.equal(await countOf('sends', campaignId), 1, 'the refused second start left no send');
    assert.equal(await countOf('send_recipients', campaignId), 4500, 'nor any outbox row');
  });

  it('a gate refused after the whole audience was evaluated leaves nothing: no send, no row, the campaign still a draft', async () => {
    // A list of unsubscribed contacts only (two pages), all blocked; the gate then finds nobody eligible. On PostgreSQL
    // every page was already written in the start's transaction (rolled back); on PGlite nothing is written before the gate.
    const list = (await t.db.insertInto('lists').values({ workspace_id: ws.workspaceId, name: 'Gone' }).returning('id').executeTakeFirstOrThrow()).id;
    await someContacts(t.db, { workspaceId: ws.workspaceId, listId: list }, Array.from({ length: 2500 }, (_, i) => ({ email: `gone${i}@example.net`, suppressed: true })));
    await sql`insert into list_memberships (workspace_id, list_id, contact_id)
      select ${ws.workspaceId}::uuid, ${list}::uuid, c.contact_id from suppressions c where c.workspace_id = ${ws.workspaceId}::uuid
       on conflict do nothing`.execute(t.db);
    const campaignId = await aCampaign({}, list);
    const preview = await previewCampaign({ db: t.db, workspaceId: ws.workspaceId, campaignId, secret, baseUrl, now });
    assert.ok(preview.ok);
    assert.ok(preview.value.audience.total > 3000 && preview.value.audience.byVerdict.send === 0);
    const audits = async () => Number((await sql<{ n: number }>`select count(*)::int as n from audit_log where action = 'campaign.send_started'`.execute(t.db)).rows[0].n);
    const auditsBefore = await audits();
    const refused = await start(campaignId);
    assert.ok(!refused.ok);
    assert.equal(refused.error.code, 'invalid_input');
    assert.deepEqual((refused.error.details as { failures: unknown[] }).failures, preview.value.check.failures, 'the same answer as the check');
    assert.equal(await status(campaignId), 'draft');
    assert.equal(await countOf('sends', campaignId), 0);
    assert.equal(await countOf('send_recipients', campaignId), 0);
    assert.equal(await audits(), auditsBefore);
  });

  it('an empty subject is refused the same way, and the database is usable afterwards', async () => {
    const campaignId = await aCampaign({ subject: '' });
    const refused = await start(campaignId);
    assert.ok(!refused.ok);
    assert.deepEqual((refused.error.details as { failures: { code: string }[] }).failures.map((f) => f.code), ['subject_empty']);
    assert.equal(await status(campaignId), 'draft');
    assert.equal(await countOf('send_recipients', campaignId), 0);
    // The database is usable afterwards (on PGlite the one connection was given back).
    const ok = await start(await aCampaign());
    assert.ok(ok.ok);
  });

  it('on PGlite other requests go on while the audience is evaluated: only the writes hold the one connection', { skip: t.kind === 'pglite' ? false : 'PGlite only' }, async () => {
    const campaignId = await aCampaign();
    // A request at every turn of the event loop while the start runs. Were the evaluation inside the start's transaction,
    // each would wait for its commit (the connection is the transaction's): none would end before the start.
    let running = true;
    let during = 0;
    const others = (async () => {
      while (running) {
        await sql`select count(*) from lists`.execute(t.db);
        if (running) during += 1;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const started = await start(campaignId);
    running = false;
    await others;
    assert.ok(started.ok);
    assert.equal(started.value.queued + started.value.blocked, 4500);
    assert.ok(during >= 6, `other requests answered during the start: ${during}`);
  });

  it('on a PostgreSQL pool of one connection the start reads on its transaction\'s connection instead of waiting for a second', { timeout: 60_000, skip: t.kind === 'postgres' ? false : 'PostgreSQL only' }, async () => {
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(t.db)).rows[0].s;
    const url = process.env.TEST_DATABASE_URL!;
    const one = await createDatabase({ databaseUrl: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`, poolSize: 1 });
    try {
      const campaignId = await aCampaign();
      const started = await startSend({ db: one, workspaceId: ws.workspaceId, campaignId, actor: system, acknowledged: true, secret, baseUrl, now });
      assert.ok(started.ok);
      assert.equal(started.value.queued + started.value.blocked, 4500);
      assert.equal(await countOf('send_recipients', campaignId), 4500);
    } finally {
      await one.destroy();
    }
  });
});
