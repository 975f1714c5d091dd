/**
 * The workspace's policy settings as the engine reads them (`parseCase(json, { workspacePolicy })`, or the
 * `workspacePolicy` field of a case built by hand). Whoever judges a workspace's contacts loads it once per
 * unit of work (a request, an import run, a send) and passes it in: the engine itself never reads the database.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { WorkspacePolicy } from '../engine/types.js';
import { AppError } from '../errors.js';
import { findWorkspacePolicy } from './workspaces.repository.js';

export async function loadWorkspacePolicy(options: { db: Kysely<Database>; workspaceId: string }): Promise<WorkspacePolicy> {
  const policy = await findWorkspacePolicy(options.db, options.workspaceId);
  if (!policy) throw new AppError('not_found', `workspace ${options.workspaceId} not found`);
  return policy;
}
