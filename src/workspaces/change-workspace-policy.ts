/**
 * Changes the workspace's policy settings (RULES.md Part 4, today C-1 `b2bColdEmail`). The old and new values,
 * who and when go to the audit log in the same transaction; a change to the same value writes nothing.
 * Roles are the route's business (owner or admin).
 */
import type { Kysely } from 'kysely';
import { recordAudit, type Actor } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { WorkspacePolicy } from '../engine/types.js';
import { AppError } from '../errors.js';
import { findWorkspacePolicy, updateWorkspacePolicy } from './workspaces.repository.js';

export type ChangeWorkspacePolicyOptions = {
  db: Kysely<Database>;
  workspaceId: string;
  policy: WorkspacePolicy;
  actor: Actor;
  ip?: string | null;
  now: Date;
};

export async function changeWorkspacePolicy(options: ChangeWorkspacePolicyOptions): Promise<{ policy: WorkspacePolicy; changed: boolean }> {
  return options.db.transaction().execute(async (trx) => {
    const old = await findWorkspacePolicy(trx, options.workspaceId, { forUpdate: true });
    if (!old) throw new AppError('not_found', `workspace ${options.workspaceId} not found`);
    const next: WorkspacePolicy = { b2bColdEmail: options.policy.b2bColdEmail };
    if (old.b2bColdEmail === next.b2bColdEmail) return { policy: old, changed: false };
    await updateWorkspacePolicy(trx, options.workspaceId, next);
    await recordAudit({
      db: trx, workspaceId: options.workspaceId, actor: options.actor, action: 'workspace.policy_change',
      target: { type: 'workspace', id: options.workspaceId },
      details: { setting: 'b2bColdEmail', rule: 'RULES.md C-1', old: old.b2bColdEmail, new: next.b2bColdEmail },
      ip: options.ip ?? null, at: options.now,
    });
    return { policy: next, changed: true };
  });
}
