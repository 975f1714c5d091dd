/** `/api/v1/contacts/:id/activity`: engagement, purchases and inquiries that the engine weighs. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isoDateTime } from '../contacts/contact-schemas.js';
import { findContact } from '../contacts/contacts.repository.js';
import { normaliseCategories, normaliseCategory } from '../engine/category.js';
import { AppError } from '../errors.js';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { listActivity } from './activity.repository.js';
import { activityTypes, recordActivity } from './record-activity.js';

const params = z.object({ id: z.uuid() });
const body = z.object({
  type: z.enum(activityTypes),
  at: isoDateTime,
  // normalised: the engine compares categories exactly, and a campaign's are normalised too
  categories: z.array(z.string().max(200).refine((c) => normaliseCategory(c).length > 0, 'a category needs a letter or a digit')).max(100).transform(normaliseCategories).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const toJson = (a: { id: number; type: string; at: Date; categories: string[]; details: Record<string, unknown> }) =>
  ({ id: a.id, type: a.type, at: a.at.toISOString(), categories: a.categories, details: a.details });

export default async function activityRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['activity'];
  defineRoute(app, { method: 'POST', url: '/contacts/:id/activity', summary: 'Record an activity event (a purchase with its categories, an inquiry, a click…)', tags, role: 'editor', params, body, status: 201 },
    async ({ params, body, auth }) => toJson(await recordActivity({ db: deps.db, workspaceId: auth.workspaceId, contactId: params.id, type: body.type, at: new Date(body.at), categories: body.categories, details: body.details, now: deps.now() })));

  defineRoute(app, { method: 'GET', url: '/contacts/:id/activity', summary: 'Recent activity of a contact, newest first', tags, role: 'viewer', params, query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
    async ({ params, query, auth }) => {
      if (!(await findContact(deps.db, auth.workspaceId, params.id))) throw new AppError('not_found', `contact ${params.id} not found`);
      return { items: (await listActivity(deps.db, auth.workspaceId, params.id, query.limit)).map(toJson) };
    });
}
