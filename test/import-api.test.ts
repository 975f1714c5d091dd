// Imports through HTTP: multipart upload with the declaration, progress while the job runs, the report and
// the rejected rows as CSV when done, refusals, roles and workspace isolation.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../src/config.js';
import { startWorker } from '../src/jobs/worker.js';
import '../src/imports/import-job.js';
import { testApp, testWorkspace, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';

/** A multipart body built by the platform's own FormData and Request (no hand-written MIME). */
async function multipart(fields: Record<string, string | string[]>, file?: { name: string; content: string | Buffer }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
  if (file) form.append('file', new Blob([file.content]), file.name);
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { payload: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

const declaration = { list: 'Customers', source: 'checkout', collectedAt: '2026-01-15', consent: 'double_opt_in', evidence: ['shop:checkout-form@2'], country: 'FR' };
const silent = { info() {}, warn() {}, error() {} };

forEachDatabase('import api', (t) => {
  let app: FastifyInstance;
  let ws: TestWorkspace;
  let other: TestWorkspace;
  before(async () => {
    app = await testApp(t.db);
    ws = await testWorkspace(t.db, 'Importer');
    other = await testWorkspace(t.db, 'Other');
  });
  after(async () => { await app.close(); });

  async function upload(token: string, fields: Record<string, string | string[]>, file?: { name: string; content: string | Buffer }) {
    const body = await multipart(fields, file);
    const res = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType }, payload: body.payload });
    return { status: res.statusCode, body: res.json() };
  }
  const get = async (token: string, url: string) => app.inject({ url, headers: { authorization: `Bearer ${token}` } });

  it('uploads a file, shows progress while the job runs, and the report with rejected rows when done', async () => {
    const lines = ['email,prénom,pays'];
    for (let i = 0; i < 12000; i++) lines.push(`client${i}@example.com,Client ${i},FR`);
    lines.push('broken-address,X,FR', 'client5@example.com,Dup,FR', 'sales@example.com,,FR');
    const res = await upload(ws.tokens.editor, declaration, { name: 'clients.csv', content: lines.join('\n') });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.status, 'pending');
    const id = res.body.id;

    // Other features queue jobs of their own: keep ticking until ours is claimed.
    const worker = startWorker({ db: t.db, config: testConfig(), log: silent, loop: false, concurrency: 4 });
    const seen = new Set<string>();
    let view: any;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      await worker.tick();
      view = (await get(ws.tokens.viewer, `/api/v1/imports/${id}`)).json();
      seen.add(view.status === 'running' && view.progress.rows > 0 ? 'running with rows' : view.status);
      if (view.status === 'done' || view.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await worker.stop();
    assert.equal(view.status, "done", JSON.stringify({ error: view.error, status: view.status, progress: view.progress, seen: [...seen] }));
    assert.ok(seen.has('running with rows'), `progress was readable while running (saw ${[...seen]})`);
    assert.equal(view.counts.rows, 12003);
    assert.equal(view.counts.eligible, 12000);
    assert.equal(view.counts.blocked.role_address, 1);
    assert.equal(view.counts.invalid, 1);
    assert.equal(view.counts.duplicate, 1);
    assert.equal(view.progress.fraction, 1);
    assert.equal(view.samples.invalid[0].line, 12002);

    const csv = await get(ws.tokens.viewer, `/api/v1/imports/${id}/rejected.csv`);
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    const rows = csv.body.trim().split('\n');
    assert.equal(rows[0], 'line,outcome,reason,email,raw');
    assert.match(rows[1], /^12002,invalid,/);
    assert.match(rows[1], /,"broken-address,X,FR"$/, 'the line as it stands in the file');
    assert.equal(rows[2], '12003,duplicate,duplicate of line 7 in this file,client5@example.com,"client5@example.com,Dup,FR"');
  });

  /** Runs the job queue until this import is done or failed; returns its view. */
  async function finish(token: string, id: number) {
    const worker = startWorker({ db: t.db, config: testConfig(), log: silent, loop: false, concurrency: 4 });
    let view: any;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      await worker.tick();
      view = (await get(token, `/api/v1/imports/${id}`)).json();
      if (view.status === 'done' || view.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await worker.stop();
    assert.equal(view.status, 'done', JSON.stringify(view));
    return view;
  }
  const contactId = async (token: string, email: string) => (await get(token, `/api/v1/contacts?email=${encodeURIComponent(email)}`)).json().items[0]?.id as string | undefined;
  const verdict = async (token: string, id: string) => {
    const answer = (await get(token, `/api/v1/contacts/${id}/eligibility?channel=email&purpose=marketing`)).json();
    // each pack that blocks says so: the codes once each
    return [answer.verdict, [...new Set(answer.reasons.filter((r: { effect: string }) => r.effect === 'block').map((r: { code: string }) => r.code))]];
  };

  it('a file that marks people as unsubscribed suppresses them, known or new, and a later file without a status brings none back', async () => {
    const plain = await upload(ws.tokens.editor, declaration, { name: 'shop.csv', content: 'email,country\nleft.shop@example.com,FR\nstays.shop@example.com,FR\n' });
    assert.equal((await finish(ws.tokens.viewer, plain.body.id)).counts.eligible, 2);
    const known = (await contactId(ws.tokens.viewer, 'left.shop@example.com'))!;
    assert.deepEqual(await verdict(ws.tokens.viewer, known), ['send', []]);

    const mailchimp = ['"Email Address","First Name","CC","UNSUB_TIME","UNSUB_CAMPAIGN_TITLE","UNSUB_REASON"',
      '"left.shop@example.com","Lea","FR","2025-11-02 10:00:00","Autumn","I no longer want to receive these emails"',
      '"left.before@example.com","Leo","DE","2024-02-02 10:00:00","Winter","I never signed up for this mailing list"'].join('\r\n');
    const unsub = await upload(ws.tokens.editor, { ...declaration, list: 'Old tool' }, { name: 'unsubscribed_members_export.csv', content: mailchimp });
    const report = await finish(ws.tokens.viewer, unsub.body.id);
    assert.deepEqual([report.counts.rows, report.counts.suppressed, report.counts.eligible], [2, 2, 0]);
    assert.match(report.samples.suppressed[0].reason, /unsubscribed \(UNSUB_TIME: 2025-11-02 10:00:00\); it is kept as an unsubscribe/);

    // The existing contact is no longer mailable; the new address is a suppressed contact, in no list.
    assert.deepEqual(await verdict(ws.tokens.viewer, known), ['block', ['suppressed']]);
    const made = (await contactId(ws.tokens.viewer, 'left.before@example.com'))!;
    assert.ok(made, 'a contact holds the suppression of the new address');
    const [v, codes] = await verdict(ws.tokens.viewer, made);
    assert.equal(v, 'block');
    assert.ok(codes.includes('suppressed'), JSON.stringify(codes));
    const suppressions = (await get(ws.tokens.viewer, '/api/v1/suppressions')).json().items
      .filter((x: { contactId: string }) => x.contactId === known || x.contactId === made)
      .map((x: { contactId: string; reason: string; source: string }) => [x.contactId === known ? 'known' : 'made', x.reason, x.source]).sort();
    assert.deepEqual(suppressions, [['known', 'unsubscribe', `import:${unsub.body.id}:line:2`], ['made', 'unsubscribe', `import:${unsub.body.id}:line:3`]]);
    const audited = (await get(ws.tokens.admin, '/api/v1/audit')).json().items
      .filter((e: { action: string; target: { id: string } | null }) => e.action === 'suppression.add' && e.target?.id === String(unsub.body.id));
    assert.deepEqual(audited.map((e: { details: { count: number; byReason: unknown } }) => [e.details.count, e.details.byReason]), [[2, { unsubscribe: 2 }]], 'the suppressions made are audited');

    const crm = await upload(ws.tokens.editor, { ...declaration, list: 'CRM', evidence: ['crm:export@2026-01'] },
      { name: 'crm.csv', content: 'email,country\nleft.shop@example.com,FR\nleft.before@example.com,DE\nstays.shop@example.com,FR\n' });
    const later = await finish(ws.tokens.viewer, crm.body.id);
    assert.deepEqual([later.counts.rows, later.counts.suppressed, later.counts.eligible], [3, 2, 1], JSON.stringify(later.samples));
    assert.deepEqual(later.samples.suppressed.map((x: { line: number }) => x.line), [2, 3]);
    assert.deepEqual(await verdict(ws.tokens.viewer, made), [v, codes]);

    // A file with no country and no declared default: the leaver's contact has ZZ (unknown), and the engine blocks it.
    const { country: _, ...noCountry } = declaration;
    const zz = await upload(ws.tokens.editor, { ...noCountry, list: 'Old tool' }, { name: 'status.csv', content: 'email,status\nzz.left@example.com,unsubscribed\n' });
    assert.equal((await finish(ws.tokens.viewer, zz.body.id)).counts.suppressed, 1);
    const unknown = (await contactId(ws.tokens.viewer, 'zz.left@example.com'))!;
    assert.equal((await get(ws.tokens.viewer, `/api/v1/contacts/${unknown}`)).json().country, 'ZZ');
    const [zzVerdict, zzCodes] = await verdict(ws.tokens.viewer, unknown);
    assert.equal(zzVerdict, 'block');
    assert.ok(zzCodes.includes('suppressed'), JSON.stringify(zzCodes));
  });

  it('stores a soft opt-in notice\'s categories as campaigns do, so the same notice typed otherwise is the same declaration', async () => {
    const notice = { ...declaration, list: 'Buyers', consent: 'purchase_notice', evidence: ['shop:checkout-notice@3'] };
    const file = { name: 'buyers.csv', content: 'email,country\nrunner.one@example.com,FR\n' };
    const first = await upload(ws.tokens.editor, { ...notice, categories: ['  Running Shoes ', 'running_shoes', 'Trail-Socks'] }, file);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal((await finish(ws.tokens.viewer, first.body.id)).counts.rows, 1);
    const id = (await contactId(ws.tokens.viewer, 'runner.one@example.com'))!;
    const ledger = (await get(ws.tokens.viewer, `/api/v1/contacts/${id}/consents`)).json();
    const events = (ledger.items ?? ledger).filter((e: { method: string }) => e.method === 'purchase_notice');
    assert.deepEqual(events.map((e: { categories: string[] }) => e.categories), [['running-shoes', 'trail-socks']]);

    const again = await upload(ws.tokens.editor, { ...notice, categories: ['TRAIL SOCKS', 'Running-Shoes'] }, file);
    const report = await finish(ws.tokens.viewer, again.body.id);
    assert.deepEqual([report.counts.rows, report.counts.duplicate, report.counts.eligible], [1, 1, 0], 'the same provenance: nothing new');
  });

  it('an address erased after it unsubscribed comes back suppressed, the report naming the erasure and the unsubscribe', async () => {
    const file = { name: 'erased.csv', content: 'email,country\nforget.me@example.com,FR\nkeep.me@example.com,FR\n' };
    await finish(ws.tokens.viewer, (await upload(ws.tokens.editor, { ...declaration, list: 'Erasure' }, file)).body.id);
    const id = (await contactId(ws.tokens.viewer, 'forget.me@example.com'))!;
    const call = (method: 'POST' | 'DELETE', url: string, token: string, payload?: object) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
    assert.equal((await call('POST', '/api/v1/suppressions', ws.tokens.editor, { contactId: id, reason: 'unsubscribe' })).statusCode, 201);
    assert.ok((await call('DELETE', `/api/v1/contacts/${id}`, ws.tokens.admin)).statusCode < 300);

    const again = await upload(ws.tokens.editor, { ...declaration, list: 'Erasure', evidence: ['shop:checkout-form@3'] }, file);
    const report = await finish(ws.tokens.viewer, again.body.id);
    assert.deepEqual([report.counts.suppressed, report.counts.eligible], [1, 1], 'keep.me takes the new evidence');
    assert.deepEqual(report.samples.suppressed.map((s: { line: number; reason: string }) => [s.line, s.reason]),
      [[2, 'the address was erased here (it had unsubscribed before); its tombstone keeps it from being imported again']]);
    assert.equal(await contactId(ws.tokens.viewer, 'forget.me@example.com'), undefined, 'nothing of the person is written again');
  });

  it('refuses a forbidden source with the rule, and bad declarations with the field', async () => {
    const broker = await upload(ws.tokens.editor, { ...declaration, source: 'list_broker' }, { name: 'a.csv', content: 'email\na@example.com\n' });
    assert.equal(broker.status, 400);
    assert.match(broker.body.error.message, /CR-NO-01/);
    const bad = await upload(ws.tokens.editor, { ...declaration, consent: 'sort_of' }, { name: 'a.csv', content: 'email\na@example.com\n' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.issues[0].path, 'declaration.consent');
    const noFile = await upload(ws.tokens.editor, declaration);
    assert.equal(noFile.status, 400);
    const json = await upload(ws.tokens.editor, { declaration: JSON.stringify({ ...declaration, source: 'web_scrape', defaultCountry: 'FR' }) }, { name: 'a.csv', content: 'email\na@example.com\n' });
    assert.match(json.body.error.message, /CR-NO-02/);
  });

  it('needs the editor role to upload, and never shows one workspace\'s import to another', async () => {
    const viewer = await upload(ws.tokens.viewer, declaration, { name: 'a.csv', content: 'email\na@example.com\n' });
    assert.equal(viewer.status, 403);
    const mine = (await get(ws.tokens.viewer, '/api/v1/imports')).json();
    assert.ok(mine.items.length >= 1);
    const id = mine.items[0].id;
    assert.equal((await get(other.tokens.owner, `/api/v1/imports/${id}`)).statusCode, 404);
    assert.equal((await get(other.tokens.owner, `/api/v1/imports/${id}/rejected.csv`)).statusCode, 404);
    assert.deepEqual((await get(other.tokens.owner, '/api/v1/imports')).json().items, []);
  });
});
