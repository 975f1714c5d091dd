/**
 * The development log transport (`smtp.transport: log`) keeps each mail in `DATA_DIR/outbox` as the bytes SMTP
 * would carry: CRLF line endings, so that a DKIM-signed mail verifies as saved (it was signed over CRLF; a file
 * written with bare LF failed mailauth's check). Through HTTP: a workspace with a sender profile, a double opt-in
 * sign-up, the saved .eml checked by mailauth against the DNS record the API gives.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/server/app.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { BASE_URL, createTestForm, FORM, formBody, type Fixture } from './public-fixture.js';
import { forEachDatabase } from './support/db.js';

const require = createRequire(import.meta.url);
const { dkimVerify } = require('mailauth/lib/dkim/verify.js');

forEachDatabase('log transport outbox', (t) => {
  let dataDir: string;
  let app: FastifyInstance;
  let f: Pick<Fixture, 'app' | 'auth' | 'lists'>;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lw-log-outbox-'));
    const now = new Date('2026-06-01T10:00:00Z');
    const system = { type: 'system' as const, id: null };
    const ws = await createWorkspace({ db: t.db, name: 'Bakery', actor: system, now });
    const token = (await createApiToken({ db: t.db, workspaceId: ws.id, name: 't', role: 'admin', actor: system, now })).token;
    const lists = [await t.db.insertInto('lists').values({ workspace_id: ws.id, name: 'Weekly news' }).returning(['id', 'name']).executeTakeFirstOrThrow()];
    app = await buildApp({ db: t.db, config: testConfig({ baseUrl: BASE_URL, dataDir, smtp: { transport: 'log' } }), logger: false, now: () => now });
    f = { app, auth: { authorization: `Bearer ${token}` }, lists };
  });
  after(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const saved = async (count: number): Promise<Buffer[]> => {
    const dir = join(dataDir, 'outbox');
    for (let i = 0; i < 100; i++) {
      const files = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.eml')).sort();
      if (files.length >= count) return Promise.all(files.map((n) => readFile(join(dir, n))));
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`fewer than ${count} mails in ${dir}`);
  };

  it('a signed confirmation mail is saved with CRLF line endings and its DKIM signature verifies', async () => {
    const profile = await app.inject({
      method: 'PUT', url: '/api/v1/sender-profile', headers: f.auth,
      payload: { company: 'Bakery SAS', address: '1 rue du Pain, 75002 Paris', registration: 'RCS Paris 123', representative: 'Jeanne Martin', postalAddress: '1 rue du Pain, 75002 Paris', contactEmail: 'hello@bakery.example', domains: ['bakery.example'], returnPathDomain: 'bounces.bakery.example' },
    });
    assert.equal(profile.statusCode, 200, profile.body);
    const form = await createTestForm(f as Fixture);
    const res = await app.inject({ method: 'POST', url: `/f/${form.publicId}?lang=en`, headers: FORM, payload: formBody({ email: 'saved@example.com', consent_email: 'yes', list: f.lists.map((l) => l.id), lang: 'en' }) });
    assert.equal(res.statusCode, 200, res.body);

    const [raw] = await saved(1);
    const text = raw.toString('latin1');
    assert.match(text, /^DKIM-Signature: /, 'signed');
    assert.match(text, /\r\n\r\n/);
    assert.doesNotMatch(text, /(?<!\r)\n/, 'no bare LF: the bytes SMTP would carry');
    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === `${profile.json().dkimSelector}._domainkey.bakery.example`) return [[profile.json().dkimDnsRecord]];
      throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
    };
    const verified = await dkimVerify(raw, { resolver });
    assert.equal(verified.results[0].status.result, 'pass', JSON.stringify(verified.results[0].status));
    assert.equal(verified.results[0].signingDomain, 'bakery.example');
  });
});
