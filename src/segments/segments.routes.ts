/**
 * `/api/v1/segments`: saved filters over the workspace's contacts (create, read, replace, delete) and who is in
 * one now (`…/preview`, also for a filter not saved yet). Campaigns name segments in `segmentIds`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, type Result } from '../errors.js';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { createSegment } from './create-segment.js';
import { deleteSegment } from './delete-segment.js';
import { previewSegment, type SegmentPreview } from './preview-segment.js';
import { segmentInputSchema, type Segment } from './segment.js';
import { segmentFilterSchema } from './segment-filter.js';
import { findSegment, listSegments } from './segments.repository.js';
import { updateSegment } from './update-segment.js';

const idParams = z.object({ id: z.uuid() });
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(20), after: z.uuid().optional() });
const unwrap = <T>(r: Result<T>): T => { if (!r.ok) throw r.error; return r.value; };
const view = (s: Segment) => ({ id: s.id, name: s.name, description: s.description, filter: s.filter, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() });
const previewView = (p: SegmentPreview) => ({
  total: p.total, next: p.next,
  members: p.members.map((m) => ({ contactId: m.id, email: m.email, country: m.country, kind: m.kind, createdAt: m.createdAt.toISOString() })),
});

export default async function segmentsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['segments'];
  const { db } = deps;

  defineRoute(app, { method: 'GET', url: '/segments', summary: 'All segments, by name', tags, role: 'viewer' },
    async ({ auth }) => ({ items: (await listSegments(db, auth.workspaceId)).map(view) }));

  defineRoute(app, { method: 'POST', url: '/segments', summary: 'Create a segment: a name and a filter (conditions joined by `all` or `any`)', tags, role: 'editor', body: segmentInputSchema, status: 201 },
  async ({ body, auth, request }) => view(unwrap(await createSegment({ db, workspaceId: auth.workspaceId, input: body, actor: auth.actor, ip: request.ip, now: deps.now() }))));

  defineRoute(app, { method: 'POST', url: '/segments/preview', summary: 'Who a filter not saved yet matches now: `{ filter }` → count and a page of members', tags, role: 'viewer',
    body: z.object({ filter: segmentFilterSchema }), query: pageQuery },
  async ({ body, query, auth }) => previewView(unwrap(await previewSegment({ db, workspaceId: auth.workspaceId, segment: { filter: body.filter }, limit: query.limit, after: query.after }))));

  defineRoute(app, { method: 'GET', url: '/segments/:id', summary: 'Read a segment', tags, role: 'viewer', params: idParams },
    async ({ params, auth }) => {
      const s = await findSegment(db, auth.workspaceId, params.id);
      if (!s) throw new AppError('not_found', `segment ${params.id}`);
      return view(s);
    });

  defineRoute(app, { method: 'PUT', url: '/segments/:id', summary: 'Replace a segment (name, description, filter)', tags, role: 'editor', params: idParams, body: segmentInputSchema },
    async ({ params, body, auth, request }) => view(unwrap(await updateSegment({ db, workspaceId: auth.workspaceId, segmentId: params.id, input: body, actor: auth.actor, ip: request.ip, now: deps.now() }))));

  defineRoute(app, { method: 'DELETE', url: '/segments/:id', summary: 'Delete a segment (refused while a draft or scheduled campaign names it)', tags, role: 'editor', params: idParams },
    async ({ params, auth, request }) => { unwrap(await deleteSegment({ db, workspaceId: auth.workspaceId, segmentId: params.id, actor: auth.actor, ip: request.ip, now: deps.now() })); });

  defineRoute(app, { method: 'GET', url: '/segments/:id/preview', summary: 'Who is in the segment now: the count and a page of members (keyset paging by `after`); the engine still decides who may be mailed', tags, role: 'viewer',
    params: idParams, query: pageQuery },
  async ({ params, query, auth }) => previewView(unwrap(await previewSegment({ db, workspaceId: auth.workspaceId, segment: { id: params.id }, limit: query.limit, after: query.after }))));
}
