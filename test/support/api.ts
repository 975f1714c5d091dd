/** HTTP test helpers: an app on a test database, workspaces with tokens of each role, a JSON inject shortcut. */
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../../src/auth/create-api-token.js';
import { testConfig } from '../../src/config.js';
import type { Db } from '../../src/db/database.js';
import type { Role } from '../../src/db/schema.js';
import { buildApp } from '../../src/server/app.js';
import { createWorkspace } from '../../src/workspaces/create-workspace.js';

export type TestWorkspace = { id: string; tokens: Record<Role, string> };

export async function testApp(db: Db, options: { now?: () => Date } = {}): Promise<FastifyInstance> {
  return buildApp({ db, config: testConfig(), logger: false, now: options.now, tokenCacheMs: 0 });
}

/** A new workspace with one API token per role. */
export async function testWorkspace(db: Db, name: string): Promise<TestWorkspace> {
  const system = { type: 'system' as const, id: null };
  const ws = await createWorkspace({ db, name, actor: system, now: new Date() });
  const tokens = {} as Record<Role, string>;
  for (const role of ['viewer', 'editor', 'admin', 'owner'] as const) {
    tokens[role] = (await createApiToken({ db, workspaceId: ws.id, name: role, role, actor: system, now: new Date() })).token;
  }
  return { id: ws.id, tokens };
}

export type Call = (method: string, url: string, body?: unknown) => Promise<{ status: number; body: any; headers: Record<string, unknown> }>;

/** Calls the app as the holder of `token`. */
export function caller(app: FastifyInstance, token: string): Call {
  return async (method, url, body) => {
    const res = await app.inject({ method: method as any, url, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { payload: body as any } : {}) });
    let parsed: unknown = undefined;
    try { parsed = res.body ? JSON.parse(res.body) : undefined; } catch { parsed = res.body; }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };
}
