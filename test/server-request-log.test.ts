// The access log under the production logger: one flat line per request (not Fastify's two), with the route
// pattern, status and time, and never a bearer token or a public link's token.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { createLogger } from '../src/server/runtime.js';
import { testWorkspace, type TestWorkspace } from './support/api.js';
import { openTestDatabase, type TestDatabase } from './support/db.js';

let t: TestDatabase;
let app: FastifyInstance;
let ws: TestWorkspace;
const lines: Record<string, any>[] = [];

before(async () => {
  t = await openTestDatabase('pglite');
  const sink = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l)); done(); } });
  app = await buildApp({ db: t.db, config: testConfig(), logger: createLogger({ logLevel: 'info' }, sink) });
  ws = await testWorkspace(t.db, 'Log');
});
after(async () => { await app.close(); await t.cleanup(); });

it('writes one line per request with the route pattern, status and time, and no token', async () => {
  const contactId = '00000000-0000-4000-8000-000000000001';
  const linkToken = 'x'.repeat(60);
  lines.length = 0;
  const api = await app.inject({ method: 'GET', url: `/api/v1/contacts/${contactId}/eligibility?channel=email`, headers: { authorization: `Bearer ${ws.tokens.viewer}` } });
  assert.equal(api.statusCode, 404);
  const link = await app.inject({ method: 'GET', url: `/u/${linkToken}` });
  assert.equal(link.statusCode, 400);
  const lost = await app.inject({ method: 'GET', url: `/nowhere/${linkToken}?t=${linkToken}` });
  assert.equal(lost.statusCode, 404);
  const access = lines.filter((l) => l.msg === 'request');
  assert.equal(access.length, 3, JSON.stringify(lines));
  assert.deepEqual(access.map((l) => [l.method, l.route, l.status]), [
    ['GET', '/api/v1/contacts/:id/eligibility', 404], ['GET', '/u/*', 400], ['GET', '/nowhere/…', 404],
  ]);
  for (const l of access) assert.equal(typeof l.ms, 'number');
  assert.ok(!lines.some((l) => l.msg === 'incoming request' || l.msg === 'request completed'), 'Fastify\'s own two lines are off');
  const all = JSON.stringify(lines);
  assert.ok(!all.includes(ws.tokens.viewer) && !all.includes(linkToken), 'no token in the log');
});
