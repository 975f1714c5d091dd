/** Creates a list in a workspace; names are unique per workspace. */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import { isUniqueViolation } from '../contacts/contact-values.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { insertList, type ListRow } from './lists.repository.js';

export type CreateListOptions = { db: Kysely<Database>; workspaceId: string; name: string; description?: string | null; actor: Actor; ip?: string | null; now: Date };

export async function createList(options: CreateListOptions): Promise<ListRow> {
  try {
    return await options.db.transaction().execute(async (trx) => {
      const list = await insertList(trx, { workspaceId: options.workspaceId, name: options.name, description: options.description ?? null, now: options.now });
      await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'list.create', target: { type: 'list', id: list.id }, ip: options.ip, details: { name: list.name }, at: options.now });
      return list;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'list name taken', { userMessage: 'A list with this name already exists.' });
    throw err;
  }
}
