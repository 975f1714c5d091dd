/** SQL for lists and their memberships, scoped by workspace. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, ListsTable } from '../db/schema.js';

export type ListRow = Selectable<ListsTable>;

export async function insertList(db: Kysely<Database>, row: { workspaceId: string; name: string; description: string | null; now: Date }): Promise<ListRow> {
  return db.insertInto('lists').values({ workspace_id: row.workspaceId, name: row.name, description: row.description, created_at: row.now })
    .returningAll().executeTakeFirstOrThrow();
}

export async function updateListRow(db: Kysely<Database>, workspaceId: string, id: string, values: { name?: string; description?: string | null }) {
  return db.updateTable('lists').set(values).where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteListRow(db: Kysely<Database>, workspaceId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('lists').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function findList(db: Kysely<Database>, workspaceId: string, id: string) {
  return db.selectFrom('lists').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export async function listLists(db: Kysely<Database>, workspaceId: string) {
  return db.selectFrom('lists')
    .select((eb) => ['lists.id', 'lists.name', 'lists.description', 'lists.created_at',
      eb.selectFrom('list_memberships').select((e) => e.fn.countAll<number>().as('n')).whereRef('list_memberships.list_id', '=', 'lists.id').as('member_count')])
    .where('workspace_id', '=', workspaceId).orderBy('name').execute();
}

/** Adds the contacts of this workspace among `contactIds`; returns how many were new members. */
export async function addMembers(db: Kysely<Database>, workspaceId: string, listId: string, contactIds: string[], now: Date): Promise<{ added: number; known: string[] }> {
  if (contactIds.length === 0) return { added: 0, known: [] };
  const known = (await db.selectFrom('contacts').select('id').where('workspace_id', '=', workspaceId).where('id', 'in', contactIds).execute()).map((r) => r.id);
  if (known.length === 0) return { added: 0, known };
  const r = await db.insertInto('list_memberships').values(known.map((id) => ({ workspace_id: workspaceId, list_id: listId, contact_id: id, added_at: now })))
    .onConflict((oc) => oc.columns(['list_id', 'contact_id']).doNothing()).executeTakeFirst();
  return { added: Number(r.numInsertedOrUpdatedRows ?? 0), known };
}

export async function removeMember(db: Kysely<Database>, workspaceId: string, listId: string, contactId: string): Promise<boolean> {
  const r = await db.deleteFrom('list_memberships').where('workspace_id', '=', workspaceId).where('list_id', '=', listId).where('contact_id', '=', contactId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function listMembers(db: Kysely<Database>, options: { workspaceId: string; listId: string; after?: string; limit: number }) {
  let q = db.selectFrom('list_memberships').innerJoin('contacts', 'contacts.id', 'list_memberships.contact_id')
    .select(['contacts.id', 'contacts.email', 'contacts.phone', 'list_memberships.added_at'])
    .where('list_memberships.workspace_id', '=', options.workspaceId).where('list_memberships.list_id', '=', options.listId);
  if (options.after) q = q.where('contacts.id', '>', options.after);
  return q.orderBy('contacts.id').limit(options.limit).execute();
}
