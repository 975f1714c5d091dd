/**
 * `GET /api/v1/contacts/:id/eligibility` (a stored contact, under the workspace's settings: RULES.md C-1) and
 * `POST /api/v1/evaluate` (the contract's cases, an array in and out, each answered or given its own error element;
 * like the CLI, it answers with the default settings: a case is judged by what it says, not by who asks).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { answerToJson, evaluate } from '../engine/evaluate.js';
import { parseCase } from '../engine/parse-case.js';
import { normaliseCategories } from '../engine/category.js';
import { CHANNELS, POLICY_PACKS, PURPOSES } from '../engine/types.js';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { checkEligibility, createEngineDataLoader } from './check-eligibility.js';
import { isoDateTime } from './contact-schemas.js';

const csv = <T extends z.ZodType<unknown, string>>(inner: T) => z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(inner));

const eligibilityQuery = z.object({
  channel: z.enum(CHANNELS).default('email'),
  purpose: z.enum(PURPOSES).default('marketing'),
  categories: csv(z.string().min(1).max(200)).transform(normaliseCategories).optional(),
  policies: csv(z.enum(POLICY_PACKS)).optional(),
  at: isoDateTime.optional(),
});

const reason = z.object({ code: z.string(), effect: z.enum(['allow', 'warn', 'block']), policy: z.string(), rule: z.string(), text: z.string() });
const answer = z.object({ id: z.string().optional(), verdict: z.enum(['send', 'block']), basis: z.string().nullable(), reasons: z.array(reason), validUntil: z.string().nullable() });

export default async function eligibilityRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['eligibility'];
  const load = createEngineDataLoader({ db: deps.db });
  defineRoute(app, { method: 'GET', url: '/contacts/:id/eligibility', summary: 'May this message go to this contact now, and why (the evaluate contract\'s answer)', tags, role: 'viewer',
    params: z.object({ id: z.uuid() }), query: eligibilityQuery, response: answer },
  async ({ params, query, auth }) => checkEligibility({
    db: deps.db, workspaceId: auth.workspaceId, contactId: params.id,
    message: { channel: query.channel, purpose: query.purpose, ...(query.categories ? { categories: query.categories } : {}) },
    policies: query.policies, at: query.at ? new Date(query.at) : deps.now(), load,
  }));

  defineRoute(app, { method: 'POST', url: '/evaluate', summary: 'Evaluate the contract\'s cases: an array in, an array of answers or error elements out, in order', tags, role: 'viewer',
    body: z.array(z.unknown()).max(1000), response: z.array(z.union([answer, z.object({ id: z.string().optional(), line: z.number(), error: z.object({ code: z.string(), path: z.string(), message: z.string() }) })])) },
  async ({ body }) => {
    const at = deps.now().getTime();
    return body.map((json, i) => {
      const parsed = parseCase(json, { at });
      if (!parsed.ok) return { ...(parsed.id !== undefined ? { id: parsed.id } : {}), line: i + 1, error: parsed.error };
      return answerToJson(evaluate(parsed.case));
    });
  });
}
