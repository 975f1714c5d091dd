/** Public tracking links: `GET /t/c/:token/:index` (click → 302 to the campaign's link) and `GET /t/o/:token` (pixel). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../server/app.js';
import { defineRoute } from '../server/route.js';
import { recordClick } from './record-click.js';
import { recordOpen } from './record-open.js';

const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export default async function trackingRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const tags = ['tracking'];
  defineRoute(app, { method: 'GET', url: '/t/c/:token/:index', summary: 'Tracked click: records the click and redirects to the campaign\'s link', tags, role: 'public',
    params: z.object({ token: z.string().max(200), index: z.coerce.number().int().min(0).max(10_000) }) },
  async ({ params, reply }) => {
    const r = await recordClick({ db: deps.db, secret: deps.config.secretKey, token: params.token, index: params.index, now: deps.now() });
    if (!r.ok) throw r.error;
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    return reply.redirect(r.value.url, 302);
  });

  defineRoute(app, { method: 'GET', url: '/t/o/:token', summary: 'Open-tracking pixel (only recorded when the campaign tracks opens)', tags, role: 'public',
    params: z.object({ token: z.string().max(200) }) },
  async ({ params, reply }) => {
    await recordOpen({ db: deps.db, secret: deps.config.secretKey, token: params.token, now: deps.now() });
    return reply.header('cache-control', 'no-store').type('image/gif').send(PIXEL);
  });
}
