/** `/api/v1/lists`: lists and their members. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { changeListMembers } from './change-list-members.js';
import { createList } from './create-list.js';
import { findList, listLists, listMembers } from './lists.repository.js';
import { deleteList, updateList } from './update-list.js';

const params = z.object({ id: z.uuid() });
const listBody = z.object({ name: z.string().trim().min(1).max(200), description: z.string().max(2000).nullable().optional() });
const toJson = (l: { id: string; name: string; description: string | null; created_at: Date; member_count?: number | null }) => ({
  id: l.id, name: l.name, description: l.description, createdAt: l.created_at.toISOString(), ...(l.member_count !== undefined ? { memberCount: Number(l.member_count ?? 0) } : {}),
});

export default async function listsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['lists'];
  const ctx = (auth: { workspaceId: string; actor: any }, ip: string) => ({ db: deps.db, workspaceId: auth.workspaceId, actor: auth.actor, ip, now: deps.now() });

  defineRoute(app, { method: 'GET', url: '/lists', summary: 'All lists with their member counts', tags, role: 'viewer' },
    async ({ auth }) => ({ items: (await listLists(deps.db, auth.workspaceId)).map(toJson) }));
  defineRoute(app, { method: 'POST', url: '/lists', summary: 'Create a list', tags, role: 'editor', body: listBody, status: 201 },
    async ({ body, auth, request }) => toJson(await createList({ ...ctx(auth, request.ip), name: body.name, description: body.description })));
  defineRoute(app, { method: 'GET', url: '/lists/:id', summary: 'Read a list', tags, role: 'viewer', params },
    async ({ params, auth }) => {
      const l = await findList(deps.db, auth.workspaceId, params.id);
      if (!l) throw new AppError('not_found', `list ${params.id} not found`);
      return toJson(l);
    });
  defineRoute(app, { method: 'PATCH', url: '/lists/:id', summary: 'Rename or describe a list', tags, role: 'editor', params, body: listBody.partial() },
    async ({ params, body, auth, request }) => toJson(await updateList({ ...ctx(auth, request.ip), id: params.id, name: body.name, description: body.description })));
  defineRoute(app, { method: 'DELETE', url: '/lists/:id', summary: 'Delete a list (its contacts stay)', tags, role: 'admin', params },
    async ({ params, auth, request }) => { await deleteList({ ...ctx(auth, request.ip), id: params.id }); });
  defineRoute(app, { method: 'GET', url: '/lists/:id/members', summary: 'Members of a list (keyset paging by `after`)', tags, role: 'viewer', params,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.uuid().optional() }) },
  async ({ params, query, auth }) => {
    if (!(await findList(deps.db, auth.workspaceId, params.id))) throw new AppError('not_found', `list ${params.id} not found`);
    const rows = await listMembers(deps.db, { workspaceId: auth.workspaceId, listId: params.id, after: query.after, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { items: page.map((m) => ({ contactId: m.id, email: m.email, phone: m.phone, addedAt: m.added_at.toISOString() })), next: rows.length > query.limit ? page[page.length - 1].id : null };
  });
  defineRoute(app, { method: 'POST', url: '/lists/:id/members', summary: 'Add and remove members', tags, role: 'editor', params,
    body: z.object({ add: z.array(z.uuid()).max(10_000).optional(), remove: z.array(z.uuid()).max(10_000).optional() }) },
  async ({ params, body, auth, request }) => changeListMembers({ ...ctx(auth, request.ip), listId: params.id, add: body.add, remove: body.remove }));
}
