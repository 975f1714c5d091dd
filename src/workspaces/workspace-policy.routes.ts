/**
 * `GET /api/v1/workspace/policy` (any member) and `PUT /api/v1/workspace/policy` (owner or admin): the policy
 * settings of the caller's workspace. Today one: `b2bColdEmail` (RULES.md C-1).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { B2B_COLD_EMAIL, type WorkspacePolicy } from '../engine/types.js';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { changeWorkspacePolicy } from './change-workspace-policy.js';
import { loadWorkspacePolicy } from './load-workspace-policy.js';

const policyBody = z.object({
  b2bColdEmail: z.enum(B2B_COLD_EMAIL, {
    error: 'must be "forbidden" (the platform forbids B2B email without consent) or "jurisdictional" (the law of the contact\'s country decides)',
  }),
}).strict();

const policyAnswer = z.object({ b2bColdEmail: z.enum(B2B_COLD_EMAIL), changed: z.boolean().optional() });

const policyJson = (p: WorkspacePolicy) => ({ b2bColdEmail: p.b2bColdEmail });

export default async function workspacePolicyRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['workspace'];
  defineRoute(app, {
    method: 'GET', url: '/workspace/policy', role: 'viewer', tags, response: policyAnswer,
    summary: 'The workspace\'s policy settings: `b2bColdEmail` is `forbidden` (default: no B2B email without consent, RULES.md C-1) or `jurisdictional` (the contact\'s law decides)',
  }, async ({ auth }) => policyJson(await loadWorkspacePolicy({ db: deps.db, workspaceId: auth.workspaceId })));

  defineRoute(app, {
    method: 'PUT', url: '/workspace/policy', role: 'admin', tags, body: policyBody, response: policyAnswer,
    summary: 'Change the workspace\'s policy settings (owner or admin; recorded in the audit log with the old and new value)',
  }, async ({ auth, body, request }) => {
    const r = await changeWorkspacePolicy({ db: deps.db, workspaceId: auth.workspaceId, policy: body, actor: auth.actor, ip: request.ip, now: deps.now() });
    return { ...policyJson(r.policy), changed: r.changed };
  });
}
