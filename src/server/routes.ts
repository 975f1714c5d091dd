/**
 * Every feature's HTTP routes: add ONE line here. A plugin module default-exports
 * `async function (app: FastifyInstance, deps: AppDeps)` and declares its routes with `defineRoute`.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app.js';

export type RoutePlugin = { default: (app: FastifyInstance, deps: AppDeps) => Promise<void> };
export type RouteEntry = { name: string; prefix?: string; load: () => Promise<RoutePlugin> };

export const routePlugins: RouteEntry[] = [
  { name: 'auth', load: () => import('../auth/auth.routes.js') },
  { name: 'contacts', prefix: '/api/v1', load: () => import('../contacts/contacts.routes.js') },
  { name: 'eligibility', prefix: '/api/v1', load: () => import('../contacts/eligibility.routes.js') },
  { name: 'consents', prefix: '/api/v1', load: () => import('../consents/consents.routes.js') },
  { name: 'activity', prefix: '/api/v1', load: () => import('../activity/activity.routes.js') },
  { name: 'lists', prefix: '/api/v1', load: () => import('../lists/lists.routes.js') },
  { name: 'suppressions', prefix: '/api/v1', load: () => import('../suppressions/suppressions.routes.js') },
  { name: 'audit', prefix: '/api/v1', load: () => import('../audit/audit.routes.js') },
  { name: 'imports', prefix: '/api/v1', load: () => import('../imports/imports.routes.js') },
  { name: 'openapi', load: () => import('./openapi.js') as Promise<RoutePlugin> },
  { name: 'form-pages', load: () => import('../forms/form-pages.routes.js') },
  { name: 'public-pages', load: () => import('../public/public-pages.routes.js') },
  { name: 'forms-api', load: () => import('../forms/forms-api.routes.js') },
  { name: 'bounces', prefix: '/api/v1', load: () => import('../bounces/intake/bounces.routes.js') },
  { name: 'bounce-webhooks', load: () => import('../bounces/intake/bounce-webhooks.routes.js') },
  { name: 'campaigns', prefix: '/api/v1', load: () => import('../campaigns/campaigns.routes.js') },
  { name: 'segments', prefix: '/api/v1', load: () => import('../segments/segments.routes.js') },
  { name: 'tracking', load: () => import('../tracking/tracking.routes.js') },
  { name: 'workspace-policy', prefix: '/api/v1', load: () => import('../workspaces/workspace-policy.routes.js') },
];
