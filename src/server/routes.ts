/**
 * Every feature's HTTP routes: add ONE line here. A plugin module default-exports
 * `async function (app: FastifyInstance, deps: AppDeps)` and declares its routes with `defineRoute`.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app.js';

export type RoutePlugin = { default: (app: FastifyInstance, deps: AppDeps) => Promise<void> };
export type RouteEntry = { name: string; prefix?: string; load: () => Promise<RoutePlugin> };

export const routePlugins: RouteEntry[] = [
  { name: 'form-pages', load: () => import('../forms/form-pages.routes.js') },
  { name: 'public-pages', load: () => import('../public/public-pages.routes.js') },
  { name: 'forms-api', load: () => import('../forms/forms-api.routes.js') },
];
