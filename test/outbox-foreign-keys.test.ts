// Migration 0331 checks the outbox's foreign keys (send, workspace, contact) once per statement instead of per row,
// and forbids changing them. These tests hold it to what the row-level keys did, on both engines: orphans refused
// with 23503 and the old constraint name (through the start's own COPY too), deletes of any parent cascading,
// erasure working, and a parent deleted by another transaction while rows referencing it are written.
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { copyRecipients, type QueuedRecipient } from '../src/campaigns/campaigns.repository.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { createApiToken } from '../src/auth/create-api-token.js';
import { databaseKind } from '../src/db/database.js';
import type { Database } from '../src/db/schema.js';
import { caller, testApp } from './support/api.js';
import { forEachDatabase } from './support/db.js';
import { sqlFailure } from './support/sql-failure.js';
import { aWorkspace, someContacts, system } from './send-support.js';

const now = new Date('2026-03-01T10:00:00Z');

const failure = sqlFailure;

forEachDatabase('outbox foreign keys', (t) => {
  let ws: { workspaceId: string; listId: string };
  let contacts: string[];

  before(async () => {
    ws = await aWorkspace(t.db, now);
    contacts = await someContacts(t.db, ws, Array.from({ length: 30 }, (_, i) => ({ email: `r${i}@example.com` })));
  });

  /** A started send of a fresh campaign over the list (the real start: evaluate, COPY, gate, commit). */
  async function aSend(workspace = ws): Promise<number> {
    const c = await createCampaign({ db: t.db, workspaceId: workspace.workspaceId, now, input: {
      name: 'FK', purpose: 'marketing', listIds: [workspace.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Hi', html: '<p>Hi</p>' } });
    if (!c.ok) throw c.error;
    const started = await startSend({ db: t.db, workspaceId: workspace.workspaceId, campaignId: c.value.id, actor: system, acknowledged: true, secret: 'test-secret-0123456789abcdef0123456789', baseUrl: 'https://x.example', now });
    if (!started.ok) throw started.error;
    return started.value.sendId;
  }
  /** A started send whose outbox rows were deleted, for writing rows of its own. */
  async function anEmptySend(): Promise<number> {
    const sendId = await aSend();
    await t.db.deleteFrom('send_recipients').where('send_id', '=', sendId).execute();
    return sendId;
  }
  const rowsFor = (ids: string[]): QueuedRecipient[] => ids.map((id) => ({ contactId: id, email: `${id}@example.com`, verdict: 'send', basis: 'consent', reasons: [] }));
  /** Outbox rows written the way a start writes them (binary COPY), in a transaction of their own. */
  const copy = (sendId: number, ids: string[], workspaceId = ws.workspaceId, db: Kysely<Database> = t.db) =>
    db.transaction().execute((trx) => copyRecipients(trx, databaseKind(t.db), workspaceId, sendId, rowsFor(ids), now));
  const insert = (sendId: number, contactId: string, workspaceId = ws.workspaceId, db: Kysely<Database> = t.db) => db.insertInto('send_recipients')
    .values({ send_id: sendId, workspace_id: workspaceId, contact_id: contactId, email: 'x@example.com', idempotency_key: `${sendId}.${contactId}`, state: 'queued', verdict: 'send' }).execute();
  const count = async (column: 'send_id' | 'workspace_id' | 'contact_id', value: string | number) =>
    Number((await sql<{ n: number }>`select count(*)::int as n from send_recipients where ${sql.ref(column)} = ${value}`.execute(t.db)).rows[0].n);

  it('the three row-level foreign keys are gone, replaced by the statement check', async () => {
    const r = await sql<{ conname: string }>`select conname from pg_constraint where conrelid = 'send_recipients'::regclass and contype = 'f'`.execute(t.db);
    assert.deepEqual(r.rows, []);
  });

  it('refuses rows whose send, workspace or contact does not exist, naming the old constraint (COPY and INSERT)', async () => {
    const sendId = await anEmptySend();
    const missingSend = sendId + 1_000_000;
    const fresh = contacts.slice(0, 3);
    assert.deepEqual(await failure(() => copy(missingSend, fresh)), { code: '23503', constraint: 'send_recipients_send_id_fkey' });
    assert.deepEqual(await failure(() => copy(sendId, fresh, randomUUID())), { code: '23503', constraint: 'send_recipients_workspace_id_fkey' });
    assert.deepEqual(await failure(() => insert(missingSend, contacts[0])), { code: '23503', constraint: 'send_recipients_send_id_fkey' });
    assert.deepEqual(await failure(() => insert(sendId, randomUUID())), { code: '23503', constraint: 'send_recipients_contact_id_fkey' });
    // One missing contact among existing ones fails the whole COPY, as a row-level key did.
    const other = await anEmptySend();
    assert.deepEqual(await failure(() => copy(other, [...contacts.slice(0, 10), randomUUID()])), { code: '23503', constraint: 'send_recipients_contact_id_fkey' });
    assert.equal(await count('send_id', other), 0);
    // Existing parents pass.
    await copy(other, contacts.slice(0, 10));
    assert.equal(await count('send_id', other), 10);
  });

  it('refuses a change of a row\'s send, workspace or contact; the worker\'s updates pass', async () => {
    const sendId = await aSend();
    const row = (await t.db.selectFrom('send_recipients').select(['id', 'contact_id']).where('send_id', '=', sendId).executeTakeFirstOrThrow());
    const other = contacts.find((c) => c !== row.contact_id)!;
    const set = (values: Partial<{ contact_id: string; workspace_id: string; send_id: number }>) => t.db.updateTable('send_recipients').set(values).where('id', '=', row.id).execute();
    // Even to an existing contact: the outbox row belongs to the one it was evaluated for.
    assert.deepEqual(await failure(() => set({ contact_id: other })), { code: '23503', constraint: 'send_recipients_contact_id_fkey' });
    assert.deepEqual(await failure(() => set({ workspace_id: randomUUID() })), { code: '23503', constraint: 'send_recipients_workspace_id_fkey' });
    assert.deepEqual(await failure(() => set({ send_id: sendId + 1_000_000 })), { code: '23503', constraint: 'send_recipients_send_id_fkey' });
    assert.equal((await t.db.selectFrom('send_recipients').select('contact_id').where('id', '=', row.id).executeTakeFirstOrThrow()).contact_id, row.contact_id);
    // Setting a key to its own value is no change; other columns change freely.
    await set({ contact_id: row.contact_id });
    await t.db.updateTable('send_recipients').set({ state: 'sending', claimed_by: 'w/1' }).where('id', '=', row.id).execute();
    assert.equal((await t.db.selectFrom('send_recipients').select('state').where('id', '=', row.id).executeTakeFirstOrThrow()).state, 'sending');
  });

  it('deleting a send, or erasing a contact through the API, removes its outbox rows and only those', async () => {
    const first = await aSend();
    const second = await aSend();
    assert.equal(await count('send_id', first), contacts.length);
    await t.db.deleteFrom('sends').where('id', '=', first).execute();
    assert.equal(await count('send_id', first), 0);
    assert.equal(await count('send_id', second), contacts.length, 'the other send keeps its rows');
    const erased = contacts[5];
    const before = await count('contact_id', erased);
    assert.ok(before >= 1);
    // Erasure through the API (DELETE /api/v1/contacts/:id), as an admin does it.
    const app = await testApp(t.db);
    try {
      const { token } = await createApiToken({ db: t.db, workspaceId: ws.workspaceId, name: 'admin', role: 'admin', actor: system, now });
      assert.equal((await caller(app, token)('DELETE', `/api/v1/contacts/${erased}`)).status, 204);
    } finally {
      await app.close();
    }
    assert.equal(await count('contact_id', erased), 0);
    assert.equal(await count('send_id', second), contacts.length - 1);
    contacts = contacts.filter((c) => c !== erased);
    // A parent's id cannot change while an outbox row references it.
    assert.equal((await failure(() => sql`update sends set id = default where id = ${second}`.execute(t.db))).code, '23503');
    assert.equal((await failure(() => t.db.updateTable('contacts').set({ id: randomUUID() }).where('id', '=', contacts[0]).execute())).code, '23503');
  });

  it('deleting a workspace removes its outbox rows, other workspaces keep theirs', async () => {
    const gone = await aWorkspace(t.db, now);
    await someContacts(t.db, gone, [{ email: 'a@gone.example' }, { email: 'b@gone.example' }]);
    const goneSend = await aSend(gone);
    const kept = await aSend();
    assert.equal(await count('workspace_id', gone.workspaceId), 2);
    await t.db.transaction().execute(async (trx) => {
      await sql`select set_config('listwarden.erasure', 'on', true)`.execute(trx); // the consent ledger goes too
      await trx.deleteFrom('workspaces').where('id', '=', gone.workspaceId).execute();
    });
    assert.equal(await count('workspace_id', gone.workspaceId), 0);
    assert.equal(await count('send_id', goneSend), 0);
    assert.equal(await count('send_id', kept), contacts.length);
  });

  it('a parent deleted by another transaction while rows referencing it are written: refused, or cascaded, never an orphan', { skip: t.kind === 'pglite' ? 'PGlite has one connection' : false }, async () => {
    const sendId = await aSend();
    const [c, d] = await someContacts(t.db, ws, [{ email: 'late1@example.com' }, { email: 'late2@example.com' }]);
    // Delete first: the COPY's lock waits for the deleting transaction, then finds the contact gone.
    let releaseDelete!: () => void;
    const deleting = t.db.transaction().execute(async (trx) => {
      await sql`select set_config('listwarden.erasure', 'on', true)`.execute(trx);
      await trx.deleteFrom('contacts').where('id', '=', c).execute();
      await new Promise<void>((r) => { releaseDelete = r; });
    });
    while (!releaseDelete) await new Promise((r) => setTimeout(r, 5));
    const copying = failure(() => copy(sendId, [c]));
    await new Promise((r) => setTimeout(r, 200));
    releaseDelete();
    await deleting;
    assert.deepEqual(await copying, { code: '23503', constraint: 'send_recipients_contact_id_fkey' });
    assert.equal(await count('contact_id', c), 0);

    // The same with the send.
    const doomed = await anEmptySend();
    let releaseSend!: () => void;
    const deletingSend = t.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('sends').where('id', '=', doomed).execute();
      await new Promise<void>((r) => { releaseSend = r; });
    });
    while (!releaseSend) await new Promise((r) => setTimeout(r, 5));
    const copyingToSend = failure(() => copy(doomed, contacts.slice(0, 3)));
    await new Promise((r) => setTimeout(r, 200));
    releaseSend();
    await deletingSend;
    assert.deepEqual(await copyingToSend, { code: '23503', constraint: 'send_recipients_send_id_fkey' });
    assert.equal(await count('send_id', doomed), 0);

    // Write first: the delete waits for the writing transaction's lock, then deletes the new rows too.
    let releaseCopy!: () => void;
    const copyingFirst = t.db.transaction().execute(async (trx) => {
      await copyRecipients(trx, 'postgres', ws.workspaceId, sendId, rowsFor([d]), now);
      await new Promise<void>((r) => { releaseCopy = r; });
    });
    while (!releaseCopy) await new Promise((r) => setTimeout(r, 5));
    const deleteAfter = t.db.transaction().execute(async (trx) => {
      await sql`select set_config('listwarden.erasure', 'on', true)`.execute(trx);
      await trx.deleteFrom('contacts').where('id', '=', d).execute();
    });
    await new Promise((r) => setTimeout(r, 200));
    releaseCopy();
    await copyingFirst;
    await deleteAfter;
    assert.equal(await count('contact_id', d), 0, 'no orphan outbox row');
    assert.equal(Number((await sql<{ n: number }>`select count(*)::int as n from send_recipients r where not exists (select 1 from contacts c where c.id = r.contact_id)`.execute(t.db)).rows[0].n), 0);
  });
});
