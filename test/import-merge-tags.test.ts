// A list exported from another tool, imported over HTTP, then mailed: the names its columns carried reach the
// campaign's merge tags (`{{ contact.first_name }}`), as they do for contacts from sign-up forms.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../src/config.js';
import { startWorker } from '../src/jobs/worker.js';
import '../src/imports/import-job.js';
import { buildApp } from '../src/server/app.js';
import { startSendWorker } from '../src/sending/send-worker.js';
import { caller, testWorkspace, type Call, type TestWorkspace } from './support/api.js';
import { forEachDatabase } from './support/db.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const baseUrl = 'https://lists.shop.example';
const profile = {
  company: 'Boutique SAS', address: '1 rue de la Paix, 75002 Paris', registration: 'RCS Paris 123', representative: 'Jeanne Martin',
  postalAddress: '1 rue de la Paix, 75002 Paris', contactEmail: 'contact@shop.example', domains: ['shop.example'], returnPathDomain: 'bounces.shop.example',
};
const silent = { info() {}, warn() {}, error() {} };

// A Brevo (ex-Sendinblue) export from a French account: semicolons, upper-case French attribute names.
const brevo = ['EMAIL;PRENOM;NOM;SMS;DATE_AJOUT', 'amelie.durand@example.fr;Amélie;Durand;33612345678;2025-11-02', 'luc.bernard@example.fr;Luc;Bernard;;2025-11-03'].join('\r\n');

forEachDatabase('imported names in merge tags', (t) => {
  let app: FastifyInstance;
  let sink: SmtpSink;
  let ws: TestWorkspace;
  let call: Call;
  const config = testConfig({ baseUrl });

  before(async () => {
    app = await buildApp({ db: t.db, config, logger: false, tokenCacheMs: 0 });
    sink = await startSmtpSink();
    ws = await testWorkspace(t.db, 'Boutique');
    call = caller(app, ws.tokens.editor);
  });
  after(async () => { await app.close(); await sink.close(); });

  it('a Brevo export uploaded through the API: PRENOM and NOM fill {{ contact.first_name }} and {{ contact.last_name }} in the sent mail', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ list: 'Clients', source: 'web_form', collectedAt: '2025-11-03', consent: 'double_opt_in', evidence: 'brevo:form-12', country: 'FR' })) form.append(k, v);
    form.append('file', new Blob([brevo]), 'contacts_brevo.csv');
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const up = await app.inject({
      method: 'POST', url: '/api/v1/imports', payload: Buffer.from(await request.arrayBuffer()),
      headers: { authorization: `Bearer ${ws.tokens.editor}`, 'content-type': request.headers.get('content-type')! },
    });
    assert.equal(up.statusCode, 202, up.body);
    const jobs = startWorker({ db: t.db, config, log: silent, loop: false, concurrency: 1 });
    let view: any;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      await jobs.tick();
      view = (await call('GET', `/api/v1/imports/${up.json().id}`)).body;
      if (view.status === 'done' || view.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await jobs.stop();
    assert.equal(view.status, 'done', view.error);
    assert.deepEqual([view.counts.rows, view.counts.eligible], [2, 2]);
    const to = Object.fromEntries(view.file.format.columns.map((c: { header: string; to: string }) => [c.header, c.to]));
    assert.deepEqual([to.EMAIL, to.PRENOM, to.NOM, to.SMS, to.DATE_AJOUT], ['email', 'custom:first_name', 'custom:last_name', 'phone', 'custom:DATE_AJOUT']);

    assert.equal((await caller(app, ws.tokens.admin)('PUT', '/api/v1/sender-profile', profile)).status, 200);
    const created = await call('POST', '/api/v1/campaigns', {
      name: 'Soldes', purpose: 'marketing', listIds: [view.listId], fromName: 'Boutique', fromAddress: 'news@shop.example', language: 'fr',
      subject: 'Bonjour {{ contact.first_name | default: "à vous" }}', html: '<p>Cher {{ contact.first_name }} {{ contact.last_name }},</p><p><a href="https://shop.example/soldes">Soldes</a></p>',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const sent = await call('POST', `/api/v1/campaigns/${created.body.id}/send`, { acknowledge: true });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const worker = startSendWorker({ db: t.db, workerId: 'merge-tags', smtp: { host: sink.host, port: sink.port }, connections: 1, batchSize: 10, leaseMs: 30_000, pollMs: 10, secret: config.secretKey, baseUrl }, { loop: false });
    while ((await worker.runOnce()) > 0);
    await worker.stop();
    assert.equal(sink.messages.length, 2);
    const amelie = await sink.parse(sink.messages.findIndex((m) => m.to[0] === 'amelie.durand@example.fr'));
    assert.equal(amelie.subject, 'Bonjour Amélie');
    assert.match(amelie.html || '', /Cher Amélie Durand,/);
  });
});
