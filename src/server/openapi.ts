/**
 * The OpenAPI 3.1 document, built from the routes declared with `defineRoute` (zod → JSON Schema), and a
 * readable reference page generated from the same document.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DocumentedRoute } from './route.js';

const errorBody = {
  type: 'object',
  properties: { error: { type: 'object', required: ['code', 'message'], properties: {
    code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' },
    issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  } } },
};

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  try {
    const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
    return rest;
  } catch {
    return {};
  }
}

function parameters(route: DocumentedRoute) {
  const out: object[] = [];
  for (const [where, s] of [['path', route.params], ['query', route.query]] as const) {
    if (!s) continue;
    const js = schemaOf(s, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, schema] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema });
    }
  }
  return out;
}

export function buildOpenApi(routes: DocumentedRoute[], info: { baseUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const status = String(r.status ?? (r.response ? 200 : 204));
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: r.tags ?? [],
      parameters: parameters(r),
      responses: {
        [status]: { description: 'Success', ...(r.response ? { content: { 'application/json': { schema: schemaOf(r.response, 'output') } } } : {}) },
        '4XX': { description: 'Refused: see error.code', content: { 'application/json': { schema: errorBody } } },
      },
      ...(r.role === 'public' ? { security: [] } : { 'x-minimum-role': r.role }),
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Listwarden API', version: '1', description: 'Consent-first email platform. Authenticate with `Authorization: Bearer lwt_…` (an API token of one workspace) or a session cookie plus `x-csrf-token` on changes. Every resource belongs to the token\'s workspace; others answer 404.' },
    servers: [{ url: info.baseUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'lw_session' } } },
    security: [{ bearer: [] }, { session: [] }],
    paths,
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function referencePage(doc: ReturnType<typeof buildOpenApi>): string {
  const rows = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]: [string, any]) => {
    const params = (op.parameters as any[]).map((p) => `<code>${escapeHtml(p.name)}</code> (${p.in}${p.required ? ', required' : ''})`).join(', ');
    const body = op.requestBody ? `<details><summary>body</summary><pre>${escapeHtml(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2))}</pre></details>` : '';
    return `<section><h3><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3><p>${escapeHtml(op.summary)}</p>
<p class="meta">Role: ${escapeHtml(op['x-minimum-role'] ?? 'public')}${params ? ` · Parameters: ${params}` : ''}</p>${body}</section>`;
  }));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Listwarden API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{font:600 12px monospace;background:#eef;padding:2px 6px;border-radius:3px}
.meta{color:#555;font-size:13px}pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:12px}</style></head>
<body><h1>Listwarden API reference</h1><p>${escapeHtml(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${doc.openapi}). Errors always have the body
<code>{"error": {"code", "message", "issues"?: [{"path", "message"}], "requestId"}}</code>.</p>
${rows.join('\n')}</body></html>`;
}

export default async function openApiRoutes(app: FastifyInstance): Promise<void> {
  let cached: ReturnType<typeof buildOpenApi> | undefined;
  const doc = () => (cached ??= buildOpenApi(app.documentedRoutes, { baseUrl: app.deps.config.baseUrl }));
  app.get('/api/v1/openapi.json', async () => doc());
  app.get('/api/v1/reference', async (_request, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(referencePage(doc())));
}
