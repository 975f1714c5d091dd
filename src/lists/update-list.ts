/** Renames or re-describes a list (`updateList`), or deletes it (`deleteList`): two halves of editing a list. */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import { isUniqueViolation } from '../contacts/contact-values.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { deleteListRow, updateListRow, type ListRow } from './lists.repository.js';

export type UpdateListOptions = {
  db: Kysely<Database>; workspaceId: string; id: string; name?: string; description?: string | null; actor: Actor; ip?: string | null; now: Date;
};

export async function updateList(options: UpdateListOptions): Promise<ListRow> {
  try {
    return await options.db.transaction().execute(async (trx) => {
      const values = { ...(options.name !== undefined ? { name: options.name } : {}), ...(options.description !== undefined ? { description: options.description } : {}) };
      const row = Object.keys(values).length ? await updateListRow(trx, options.workspaceId, options.id, values)
        : await trx.selectFrom('lists').selectAll().where('workspace_id', '=', options.workspaceId).where('id', '=', options.id).executeTakeFirst();
      if (!row) throw new AppError('not_found', `list ${options.id} not found`);
      await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'list.update', target: { type: 'list', id: row.id }, ip: options.ip, details: { fields: Object.keys(values) }, at: options.now });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'list name taken', { userMessage: 'A list with this name already exists.' });
    throw err;
  }
}

export type DeleteListOptions = { db: Kysely<Database>; workspaceId: string; id: string; actor: Actor; ip?: string | null; now: Date };

export async function deleteList(options: DeleteListOptions): Promise<void> {
  await options.db.transaction().execute(async (trx) => {
    if (!(await deleteListRow(trx, options.workspaceId, options.id))) throw new AppError('not_found', `list ${options.id} not found`);
    await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'list.delete', target: { type: 'list', id: options.id }, ip: options.ip, at: options.now });
  });
}
