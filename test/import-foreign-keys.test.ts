// Migration 0101 checks the foreign keys of contacts, consent_events and list_memberships once per statement
// (triggers) instead of per row. These tests hold it to what the row-level keys did, on both engines: orphans
// refused with 23503 and the old constraint name, deletes cascading, erasure working, parents locked.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.js';
import { eraseContact } from '../src/contacts/erase-contact.js';
import { uuidV7 } from '../src/imports/uuid-v7.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { forEachDatabase } from './support/db.js';
import { sqlFailure } from './support/sql-failure.js';

const system = { type: 'system' as const, id: null };
const now = new Date('2026-03-01T09:00:00Z');

const failure = sqlFailure;

forEachDatabase('import foreign keys', (t) => {
  let ws: string;
  let list: string;

  async function contact(db: Kysely<Database> = t.db, email = `${randomUUID()}@example.com`): Promise<string> {
    const row = await db.insertInto('contacts').values({ workspace_id: ws, email, country: 'FR', source_type: 'web_form' }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }
  const event = (contactId: string, workspaceId = ws) => t.db.insertInto('consent_events')
    .values({ workspace_id: workspaceId, contact_id: contactId, channel: 'email', method: 'double_opt_in', at: now }).execute();
  const member = (contactId: string, listId = list, db: Kysely<Database> = t.db) => db.insertInto('list_memberships')
    .values({ workspace_id: ws, list_id: listId, contact_id: contactId }).execute();
  const count = async (table: 'contacts' | 'consent_events' | 'list_memberships', column: string, value: string) =>
    Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(column)} = ${value}`.execute(t.db)).rows[0].n);

  it('refuses rows whose workspace, contact or list does not exist, naming the old constraint', async () => {
    ws = (await createWorkspace({ db: t.db, name: 'FK test', actor: system, now })).id;
    list = (await t.db.insertInto('lists').values({ workspace_id: ws, name: 'L' }).returning('id').executeTakeFirstOrThrow()).id;
    const c = await contact();
    assert.deepEqual(await failure(() => t.db.insertInto('contacts').values({ workspace_id: randomUUID(), email: 'x@example.com', country: 'FR', source_type: 'web_form' }).execute()),
      { code: '23503', constraint: 'contacts_workspace_id_fkey' });
    assert.deepEqual(await failure(() => event(randomUUID())), { code: '23503', constraint: 'consent_events_contact_id_fkey' });
    assert.deepEqual(await failure(() => event(c, randomUUID())), { code: '23503', constraint: 'consent_events_workspace_id_fkey' });
    assert.deepEqual(await failure(() => member(c, randomUUID())), { code: '23503', constraint: 'list_memberships_list_id_fkey' });
    assert.deepEqual(await failure(() => member(randomUUID())), { code: '23503', constraint: 'list_memberships_contact_id_fkey' });
    // One bad row among good ones fails the whole statement, as a row-level key did.
    const good = await contact();
    assert.equal((await failure(() => t.db.insertInto('list_memberships').values([
      { workspace_id: ws, list_id: list, contact_id: good }, { workspace_id: ws, list_id: list, contact_id: randomUUID() },
    ]).execute())).code, '23503');
    assert.equal(await count('list_memberships', 'contact_id', good), 0);
    // An update that points a row at a missing parent is refused too; other updates pass.
    await member(good);
    assert.equal((await failure(() => t.db.updateTable('list_memberships').set({ contact_id: randomUUID() }).where('contact_id', '=', good).execute())).code, '23503');
    await t.db.updateTable('list_memberships').set({ added_at: now }).where('contact_id', '=', good).execute();
    assert.equal(await count('list_memberships', 'contact_id', good), 1);
  });

  it('cascades deletes of lists and contacts, and the ledger guard still refuses them outside erasure', async () => {
    const c = await contact();
    await event(c);
    await member(c);
    const other = (await t.db.insertInto('lists').values({ workspace_id: ws, name: 'Other' }).returning('id').executeTakeFirstOrThrow()).id;
    await member(c, other);
    await t.db.deleteFrom('lists').where('id', '=', other).execute();
    assert.equal(await count('list_memberships', 'list_id', other), 0);
    assert.equal(await count('list_memberships', 'contact_id', c), 1, 'the other membership stays');
    assert.equal(await count('contacts', 'id', c), 1, 'deleting a list never deletes its contacts');
    // Deleting a contact outside erasure reaches its consent events, whose guard refuses: nothing is deleted.
    await assert.rejects(t.db.deleteFrom('contacts').where('id', '=', c).execute(), /append-only/);
    assert.equal(await count('contacts', 'id', c), 1);
    // A contact without consent events is deleted with its memberships.
    const bare = await contact();
    await member(bare);
    await t.db.deleteFrom('contacts').where('id', '=', bare).execute();
    assert.equal(await count('list_memberships', 'contact_id', bare), 0);
  });

  it('erasure deletes the contact with its consent events and memberships', async () => {
    const c = await contact();
    await event(c);
    await member(c);
    await eraseContact({ db: t.db, workspaceId: ws, id: c, actor: system, now });
    assert.equal(await count('contacts', 'id', c), 0);
    assert.equal(await count('consent_events', 'contact_id', c), 0);
    assert.equal(await count('list_memberships', 'contact_id', c), 0);
  });

  it('deleting a workspace (with the erasure guard open) deletes its contacts, events and memberships', async () => {
    const gone = (await createWorkspace({ db: t.db, name: 'FK gone', actor: system, now })).id;
    const keep = ws;
    const keepList = list;
    ws = gone;
    list = (await t.db.insertInto('lists').values({ workspace_id: ws, name: 'L' }).returning('id').executeTakeFirstOrThrow()).id;
    const c = await contact();
    await event(c);
    await member(c);
    await t.db.transaction().execute(async (trx) => {
      await sql`select set_config('listwarden.erasure', 'on', true)`.execute(trx);
      await trx.deleteFrom('workspaces').where('id', '=', gone).execute();
    });
    for (const table of ['contacts', 'consent_events', 'list_memberships'] as const) assert.equal(await count(table, 'workspace_id', gone), 0, table);
    ws = keep;
    list = keepList;
    assert.ok((await count('contacts', 'workspace_id', keep)) > 0, 'other workspaces are untouched');
  });

  it('an update that touches no row leaves the transaction without an id (no commit record for a read-only transaction)', async () => {
    const assigned = await t.db.transaction().execute(async (trx) => {
      await trx.updateTable('contacts').set({ country: 'DE' }).where('id', '=', randomUUID()).execute();
      await trx.updateTable('list_memberships').set({ added_at: now }).where('contact_id', '=', randomUUID()).execute();
      return (await sql<{ x: string | null }>`select pg_current_xact_id_if_assigned()::text as x`.execute(trx)).rows[0].x;
    });
    assert.equal(assigned, null);
  });

  it('refuses to change the id of a parent that is still referenced', async () => {
    const c = await contact();
    await member(c);
    assert.equal((await failure(() => t.db.updateTable('contacts').set({ id: randomUUID() }).where('id', '=', c).execute())).code, '23503');
    assert.equal((await failure(() => t.db.updateTable('lists').set({ id: randomUUID() }).where('id', '=', list).execute())).code, '23503');
  });

  it('keys made together (one UUIDv7 id range, probed at once since 0104) are checked as strictly as any others', async () => {
    const ids = Array.from({ length: 201 }, () => uuidV7(Date.now())).sort();
    const missing = ids[100];
    const committed = ids.slice(0, 50);
    const own = ids.slice(50).filter((id) => id !== missing);
    const insertContacts = (db: Kysely<Database>, list: string[]) => db.insertInto('contacts')
      .values(list.map((id) => ({ id, workspace_id: ws, email: `${id}@example.com`, country: 'FR', source_type: 'web_form' }))).execute();
    const members = (db: Kysely<Database>, listId: string, list: string[]) => db.insertInto('list_memberships')
      .values(list.map((id) => ({ workspace_id: ws, list_id: listId, contact_id: id }))).execute();
    await insertContacts(t.db, committed);
    // this transaction's new contacts and contacts committed before, in one range: all found
    await t.db.transaction().execute(async (trx) => {
      await insertContacts(trx, own);
      await members(trx, list, [...committed, ...own]);
    });
    assert.equal(Number((await sql<{ n: number }>`select count(*)::int as n from list_memberships where contact_id = any(${ids}::uuid[])`.execute(t.db)).rows[0].n), 200);
    // one key inside the range that no contact has: the whole statement is refused
    const other = (await t.db.insertInto('lists').values({ workspace_id: ws, name: 'Range' }).returning('id').executeTakeFirstOrThrow()).id;
    assert.deepEqual(await failure(() => members(t.db, other, ids)), { code: '23503', constraint: 'list_memberships_contact_id_fkey' });
    // the range holds as many of this transaction's contacts as there are keys, but not the same ones
    const fresh = Array.from({ length: 151 }, () => uuidV7(Date.now())).sort();
    assert.deepEqual(await failure(() => t.db.transaction().execute(async (trx) => {
      await insertContacts(trx, fresh.filter((_, i) => i !== 75));
      await members(trx, other, fresh.filter((_, i) => i !== 100));
    })), { code: '23503', constraint: 'list_memberships_contact_id_fkey' });
    assert.equal(await count('list_memberships', 'list_id', other), 0);
  });

  it('a parent deleted while a child is being inserted: the insert waits for it and is refused; the reverse cascades', { skip: t.kind === 'pglite' ? 'PGlite has one connection' : false }, async () => {
    // Delete first: the insert's lock waits for the deleting transaction, then finds the contact gone.
    const c = await contact();
    let releaseDelete!: () => void;
    const deleting = t.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('contacts').where('id', '=', c).execute();
      await new Promise<void>((r) => { releaseDelete = r; });
    });
    while (!releaseDelete) await new Promise((r) => setTimeout(r, 5));
    const inserting = failure(() => member(c));
    await new Promise((r) => setTimeout(r, 200));
    releaseDelete();
    await deleting;
    assert.deepEqual(await inserting, { code: '23503', constraint: 'list_memberships_contact_id_fkey' });

    // Insert first: the delete waits for the inserting transaction's lock, then deletes the new membership too.
    const d = await contact();
    let releaseInsert!: () => void;
    const insertingFirst = t.db.transaction().execute(async (trx) => {
      await member(d, list, trx);
      await new Promise<void>((r) => { releaseInsert = r; });
    });
    while (!releaseInsert) await new Promise((r) => setTimeout(r, 5));
    const deleteAfter = t.db.deleteFrom('contacts').where('id', '=', d).execute();
    await new Promise((r) => setTimeout(r, 200));
    releaseInsert();
    await insertingFirst;
    await deleteAfter;
    assert.equal(await count('list_memberships', 'contact_id', d), 0, 'no orphan membership');
  });
});
