/** Adds contacts to a list or removes one; contacts of other workspaces are ignored as unknown. */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { addMembers, findList, removeMember } from './lists.repository.js';

export type ChangeListMembersOptions = {
  db: Kysely<Database>; workspaceId: string; listId: string; add?: string[]; remove?: string[]; actor: Actor; ip?: string | null; now: Date;
};

export async function changeListMembers(options: ChangeListMembersOptions): Promise<{ added: number; removed: number; unknown: string[] }> {
  return options.db.transaction().execute(async (trx) => {
    const list = await findList(trx, options.workspaceId, options.listId);
    if (!list) throw new AppError('not_found', `list ${options.listId} not found`);
    const add = [...new Set(options.add ?? [])];
    const { added, known } = await addMembers(trx, options.workspaceId, list.id, add, options.now);
    let removed = 0;
    for (const id of options.remove ?? []) if (await removeMember(trx, options.workspaceId, list.id, id)) removed += 1;
    await recordAudit({ db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'list.members', target: { type: 'list', id: list.id }, ip: options.ip, details: { added, removed }, at: options.now });
    return { added, removed, unknown: add.filter((id) => !known.includes(id)) };
  });
}
