/** Creates a workspace (a tenant) with its own secret for tombstone HMACs. */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { insertWorkspace } from './workspaces.repository.js';

export type CreateWorkspaceOptions = { db: Kysely<Database>; name: string; slug?: string; isDefault?: boolean; actor: Actor; now: Date };

export function slugify(name: string): string {
  return name.normalize('NFKD').replace(/[^\w\s-]/g, '').trim().toLowerCase().replace(/[\s_]+/g, '-').replace(/-+/g, '-').slice(0, 48) || 'workspace';
}

export async function createWorkspace(options: CreateWorkspaceOptions) {
  const name = options.name.trim();
  if (!name) throw new AppError('invalid_input', 'workspace name is empty', { details: { issues: [{ path: 'name', message: 'required' }] } });
  const run = async (trx: Kysely<Database>) => {
    const ws = await insertWorkspace(trx, {
      name, slug: options.slug ?? `${slugify(name)}-${randomBytes(3).toString('hex')}`,
      secret: randomBytes(32).toString('base64url'), isDefault: options.isDefault ?? false,
    });
    await recordAudit({ db: trx, workspaceId: ws.id, actor: options.actor, action: 'workspace.create', target: { type: 'workspace', id: ws.id }, details: { name }, at: options.now });
    return ws;
  };
  return options.db.isTransaction ? run(options.db) : options.db.transaction().execute(run);
}
