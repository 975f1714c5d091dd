/** The workspace a CLI command acts on: the one named (id or slug), else the default one. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findDefaultWorkspace, findWorkspace } from './workspaces.repository.js';

export async function resolveWorkspace(options: { db: Kysely<Database>; workspace?: string }): Promise<{ id: string; name: string; slug: string }> {
  const ws = options.workspace ? await findWorkspace(options.db, options.workspace) : await findDefaultWorkspace(options.db);
  if (!ws) {
    throw new AppError('not_found', options.workspace ? `no workspace "${options.workspace}"` : 'no default workspace yet: run `listwarden serve` or `listwarden migrate` once',
      { userMessage: options.workspace ? `No workspace "${options.workspace}".` : 'No default workspace yet.' });
  }
  return ws;
}
