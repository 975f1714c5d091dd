// The workspace setting b2bColdEmail (RULES.md C-1) through HTTP and through an import, on PGlite and, with
// TEST_DATABASE_URL, on PostgreSQL: read and changed by owner/admin only, audited with old and new value, and the
// engine's verdicts on the workspace's contacts follow it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createImport } from '../src/imports/create-import.js';
import { runImport } from '../src/imports/run-import.js';
import { changeWorkspacePolicy } from '../src/workspaces/change-workspace-policy.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { caller, testApp, testWorkspace, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';

const system = { type: 'system' as const, id: null };
const now = () => new Date('2026-03-01T09:00:00Z');

forEachDatabase('workspace policy', (t) => {
  let app: FastifyInstance;
  let ws: TestWorkspace;
  let other: TestWorkspace;
  before(async () => {
    app = await testApp(t.db, { now });
    ws = await testWorkspace(t.db, 'Policy');
    other = await testWorkspace(t.db, 'Policy other');
  });
  after(async () => { await app.close(); });

  it('a workspace starts with the strict default, in the column and through the API', async () => {
    const row = await t.db.selectFrom('workspaces').select('b2b_cold_email').where('id', '=', ws.id).executeTakeFirstOrThrow();
    assert.equal(row.b2b_cold_email, 'forbidden');
    const res = await caller(app, ws.tokens.viewer)('GET', '/api/v1/workspace/policy');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { b2bColdEmail: 'forbidden' });
    await assert.rejects(
      sql`update workspaces set b2b_cold_email = 'whatever' where id = ${ws.id}`.execute(t.db),
      /check constraint|workspaces_b2b_cold_email_check/,
    );
  });

  it('editors and viewers may not change it; bad values are refused with a clear error', async () => {
    for (const role of ['viewer', 'editor'] as const) {
      const res = await caller(app, ws.tokens[role])('PUT', '/api/v1/workspace/policy', { b2bColdEmail: 'jurisdictional' });
      assert.equal(res.status, 403, role);
    }
    const admin = caller(app, ws.tokens.admin);
    const bad = await admin('PUT', '/api/v1/workspace/policy', { b2bColdEmail: 'allowed' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /b2bColdEmail/);
    assert.match(JSON.stringify(bad.body), /forbidden.*jurisdictional/);
    assert.equal((await admin('PUT', '/api/v1/workspace/policy', {})).status, 400);
    assert.equal((await admin('PUT', '/api/v1/workspace/policy', { b2bColdEmail: 'forbidden', extra: 1 })).status, 400);
    assert.equal((await admin('GET', '/api/v1/workspace/policy')).body.b2bColdEmail, 'forbidden');
  });

  it('an admin switches it to jurisdictional: audited with who, when, old and new, and the eligibility answer follows', async () => {
    const editor = caller(app, ws.tokens.editor);
    // A French buyer at a company, told at collection; the offer fits the job; no consent on record.
    const created = await editor('POST', '/api/v1/contacts', {
      email: 'claire.dubois@fabrique.example', country: 'FR', kind: 'corporate',
      source: { type: 'web_form', at: '2026-02-01T10:00:00Z', legitimateInterest: { reason: 'packaging buyer', roleRelevant: true, informedAtCollection: true } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const url = `/api/v1/contacts/${created.body.id}/eligibility`;

    const before = await editor('GET', url);
    assert.equal(before.status, 200);
    assert.equal(before.body.verdict, 'block');
    assert.ok(before.body.reasons.some((r: any) => r.rule === 'CR-NO-05' && r.effect === 'block'));

    const admin = caller(app, ws.tokens.admin);
    const put = await admin('PUT', '/api/v1/workspace/policy', { b2bColdEmail: 'jurisdictional' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body, { b2bColdEmail: 'jurisdictional', changed: true });
    assert.equal((await editor('GET', '/api/v1/workspace/policy')).body.b2bColdEmail, 'jurisdictional');

    const afterSwitch = await editor('GET', url);
    assert.equal(afterSwitch.body.verdict, 'send', JSON.stringify(afterSwitch.body));
    assert.equal(afterSwitch.body.basis, 'legitimate_interest');
    assert.ok(afterSwitch.body.reasons.some((r: any) => r.rule === 'C-1' && /jurisdictional/.test(r.text)));
    assert.ok(!afterSwitch.body.reasons.some((r: any) => r.rule === 'CR-NO-05'));

    // Only this workspace changed.
    assert.equal((await caller(app, other.tokens.viewer)('GET', '/api/v1/workspace/policy')).body.b2bColdEmail, 'forbidden');

    const log = await admin('GET', `/api/v1/audit?targetId=${ws.id}`);
    const entries = log.body.items.filter((e: any) => e.action === 'workspace.policy_change');
    assert.equal(entries.length, 1);
    const [e] = entries;
    assert.equal(e.actor.type, 'token');
    assert.ok(e.actor.id);
    assert.equal(e.at, now().toISOString());
    assert.deepEqual(e.target, { type: 'workspace', id: ws.id });
    assert.deepEqual({ setting: e.details.setting, old: e.details.old, new: e.details.new }, { setting: 'b2bColdEmail', old: 'forbidden', new: 'jurisdictional' });

    // The same value again changes nothing and writes no audit entry.
    const again = await caller(app, ws.tokens.owner)('PUT', '/api/v1/workspace/policy', { b2bColdEmail: 'jurisdictional' });
    assert.deepEqual(again.body, { b2bColdEmail: 'jurisdictional', changed: false });
    // Back to forbidden (the owner may, too): the answer blocks again and a second entry records the way back.
    assert.equal((await caller(app, ws.tokens.owner)('PUT', '/api/v1/workspace/policy', { b2bColdEmail: 'forbidden' })).status, 200);
    assert.equal((await editor('GET', url)).body.verdict, 'block');
    const log2 = await admin('GET', `/api/v1/audit?targetId=${ws.id}`);
    const changes = log2.body.items.filter((x: any) => x.action === 'workspace.policy_change').map((x: any) => [x.details.old, x.details.new]);
    assert.deepEqual(changes, [['jurisdictional', 'forbidden'], ['forbidden', 'jurisdictional']]);
    assert.equal((await caller(app, ws.tokens.owner)('GET', '/api/v1/audit/verify')).body.ok, true);
  });

  it('the evaluate contract endpoint keeps the default settings whatever the workspace chose', async () => {
    await changeWorkspacePolicy({ db: t.db, workspaceId: other.id, policy: { b2bColdEmail: 'jurisdictional' }, actor: system, now: now() });
    const res = await caller(app, other.tokens.viewer)('POST', '/api/v1/evaluate', [{
      id: 'c', at: '2026-03-01T09:00:00Z',
      contact: { email: 'j.smith@corp.example', country: 'US', kind: 'corporate', source: { type: 'web_form', at: '2026-02-01T10:00:00Z' } },
      message: { channel: 'email', purpose: 'marketing' },
    }]);
    assert.equal(res.status, 200);
    assert.equal(res.body[0].verdict, 'block');
    assert.ok(res.body[0].reasons.some((r: any) => r.rule === 'CR-NO-05'));
  });

  it('an import judges its rows under the importing workspace\'s setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-policy-import-'));
    const path = join(dir, 'b2b.csv');
    writeFileSync(path, ['email,country', 'buyer@corp-us.example,US', 'k.weber@werk-de.example,DE', ''].join('\n'));
    // Business contacts who signed up without confirming: the platform refuses single opt-in (CR-NO-03) and cold
    // B2B (CR-NO-05); under `jurisdictional` US law allows the email, German law still wants a double opt-in.
    const declaration = { list: 'Prospects', source: 'web_form', collectedAt: '2026-02-01', consent: 'single_opt_in', evidence: ['form:trial@2'], defaultKind: 'corporate' };
    const results: Record<string, unknown> = {};
    for (const setting of ['forbidden', 'jurisdictional'] as const) {
      const wsId = (await createWorkspace({ db: t.db, name: `Import ${setting}`, actor: system, now: now() })).id;
      await changeWorkspacePolicy({ db: t.db, workspaceId: wsId, policy: { b2bColdEmail: setting }, actor: system, now: now() });
      const created = await createImport({ db: t.db, workspaceId: wsId, filePath: path, fileName: 'b2b.csv', declaration, actor: system, now: now() });
      assert.ok(created.ok, JSON.stringify(created));
      const run = await runImport({ db: t.db, importId: created.value.id, runner: 'test:1', now });
      assert.equal(run.status, 'done');
      const row = await t.db.selectFrom('imports').select('counts').where('id', '=', created.value.id).executeTakeFirstOrThrow();
      const c = row.counts as any;
      results[setting] = { rows: c.rows, eligible: c.eligible, blockedTotal: c.blockedTotal, blocked: c.blocked };
    }
    assert.deepEqual(results.forbidden, { rows: 2, eligible: 0, blockedTotal: 2, blocked: { single_opt_in: 2, no_consent: 2 } });
    // The German row: DE-07 (single opt-in proves nothing) and DE-01 (no B2B exception), the law's own codes.
    assert.deepEqual(results.jurisdictional, { rows: 2, eligible: 1, blockedTotal: 1, blocked: { single_opt_in: 1, no_consent: 1 } });
  });
});
