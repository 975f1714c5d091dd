/** `/api/v1/audit`: this workspace's audit entries, newest first, and a chain check. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { listAuditEntries } from './audit.repository.js';
import { verifyAuditChain } from './verify-audit-chain.js';

export default async function auditRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['audit'];
  defineRoute(app, { method: 'GET', url: '/audit', summary: 'Audit entries of this workspace, newest first (page with `before`)', tags, role: 'admin',
    query: z.object({ before: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(500).default(100), targetId: z.string().max(100).optional() }) },
  async ({ query, auth }) => {
    const rows = await listAuditEntries(deps.db, { workspaceId: auth.workspaceId, ...query });
    return {
      items: rows.map((r) => ({ id: r.id, at: r.at.toISOString(), actor: { type: r.actor_type, id: r.actor_id }, action: r.action,
        target: r.target_type ? { type: r.target_type, id: r.target_id } : null, ip: r.ip, details: r.details, hash: r.hash })),
      next: rows.length === query.limit ? rows[rows.length - 1].id : null,
    };
  });
  // the chain spans every workspace: answer only whether it holds, never how many entries others have
  defineRoute(app, { method: 'GET', url: '/audit/verify', summary: 'Check the whole hash chain (intact or not)', tags, role: 'owner' },
    async () => ({ ok: (await verifyAuditChain({ db: deps.db })).ok }));
}
