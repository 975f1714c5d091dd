/**
 * TLS to the SMTP relay, for campaign mail and platform mail, against a real relay on loopback (smtp-server with
 * STARTTLS and a certificate made here by openssl, AUTH required): with `smtp.requireTls` and the certificate as
 * `smtp.tlsCaFile` mail arrives and AUTH ran over TLS; without the CA, or with a relay that will not start TLS,
 * nothing is sent and the password never was (`onAuth` not called), the recipient is retried (not bounced, not
 * suppressed) and "why" and the worker's log say so. The rule that makes TLS required by default is unit-tested in
 * src/sending/smtp-relay.test.ts (it cannot be reached on loopback); its start-up side (the warning, the CA file
 * error) is checked here on the CLI.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../src/auth/create-api-token.js';
import { createCampaign } from '../src/campaigns/create-campaign.js';
import { startSend } from '../src/campaigns/start-send.js';
import { testConfig, type Config } from '../src/config.js';
import type { Db } from '../src/db/database.js';
import { mailSenderFromConfig } from '../src/mail/mail-sender.js';
import { startCampaignSending } from '../src/sending/start-campaign-sending.js';
import { buildApp } from '../src/server/app.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { createTestForm, FORM, formBody, type Fixture } from './public-fixture.js';
import { aWorkspace, someContacts, system } from './send-support.js';
import { runCli } from './support/cli.js';
import { forEachDatabase } from './support/db.js';
import { makeSelfSignedCertificate, type TestCertificate } from './support/tls-cert.js';

const USER = 'relay-user';
const PASS = `relay-pass-${randomBytes(4).toString('hex')}`;
const baseUrl = 'https://lists.shop.example';

type Relay = { port: number; logins: { user: string; secure: boolean }[]; mails: { to: string[]; raw: Buffer; secure: boolean }[]; close(): Promise<void> };

/**
 * A relay that takes mail only after AUTH. `noTls`: STARTTLS neither announced nor accepted (a relay without TLS,
 * or an offer stripped on the way by someone who also refuses the command); `hideStartTls`: not announced, but
 * accepted when asked for.
 */
async function startRelay(cert: TestCertificate, o: { noTls?: boolean; hideStartTls?: boolean } = {}): Promise<Relay> {
  const logins: Relay['logins'] = [];
  const mails: Relay['mails'] = [];
  const server = new SMTPServer({
    key: cert.key, cert: cert.cert, logger: false, authMethods: ['PLAIN', 'LOGIN'],
    hideSTARTTLS: o.noTls || o.hideStartTls, disabledCommands: o.noTls ? ['STARTTLS'] : [],
    // a plain relay would otherwise refuse AUTH itself; here only the client may keep the password back
    allowInsecureAuth: o.noTls,
    onAuth(auth, session, callback) {
      logins.push({ user: auth.username ?? '', secure: session.secure });
      if (auth.username !== USER || auth.password !== PASS) return callback(new Error('bad credentials'));
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, session, callback) {
      callback(session.user ? undefined : Object.assign(new Error('5.7.0 authentication required'), { responseCode: 530 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), raw: Buffer.concat(chunks), secure: session.secure });
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server as unknown as { server: { address(): { port: number } } }).server.address().port;
  return { port, logins, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The configuration `listwarden` would read with these `smtp.*` settings, pointing at the relay. */
function relayConfig(relay: Relay, smtp: Record<string, unknown>): Config {
  return testConfig({ baseUrl, smtp: { transport: 'smtp', host: '127.0.0.1', port: relay.port, user: USER, pass: PASS, ...smtp }, sending: { pollMs: 20, renderThreads: 0 } });
}

const until = async (what: string, done: () => Promise<boolean> | boolean, timeoutMs = 15_000) => {
  const start = Date.now();
  while (!(await done())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

let cert: TestCertificate;
before(() => { cert = makeSelfSignedCertificate(); });
after(() => cert?.remove());

forEachDatabase('SMTP relay TLS', (t) => {
  let app: FastifyInstance;
  before(async () => { app = await buildApp({ db: t.db, config: testConfig({ baseUrl }), logger: false }); });
  after(async () => { await app.close(); });

  /**
   * A campaign to one contact started, then sent by the campaign worker as `listwarden serve` starts it, with
   * `config`; stops once the attempt is recorded. Returns the row, the worker's log and "why" for the contact.
   */
  async function sendCampaign(config: Config) {
    const ws = await aWorkspace(t.db);
    const email = `ann-${randomBytes(3).toString('hex')}@example.net`;
    await someContacts(t.db, ws, [{ email }]);
    const created = await createCampaign({ db: t.db, workspaceId: ws.workspaceId, now: new Date(), input: {
      name: 'TLS', purpose: 'marketing', listIds: [ws.listId], fromName: 'Shop', fromAddress: 'news@shop.example', subject: 'Over TLS', html: '<p>Hi</p>',
    } });
    if (!created.ok) throw created.error;
    const started = await startSend({ db: t.db, workspaceId: ws.workspaceId, campaignId: created.value.id, actor: system, acknowledged: true, secret: config.secretKey, baseUrl, now: new Date() });
    if (!started.ok) throw started.error;
    const log: Record<string, unknown>[] = [];
    const sending = startCampaignSending({ db: t.db, config, log: (entry) => log.push(entry as Record<string, unknown>) });
    const row = () => t.db.selectFrom('send_recipients').selectAll().where('send_id', '=', started.value.sendId).executeTakeFirstOrThrow();
    try {
      await until('the attempt to be recorded', async () => { const r = await row(); return r.state === 'sent' || (r.attempts >= 1 && r.state === 'queued'); });
    } finally {
      await sending.stop();
    }
    const token = (await createApiToken({ db: t.db, workspaceId: ws.workspaceId, name: 'ops', role: 'viewer', actor: system, now: new Date() })).token;
    const res = await app.inject({ url: `/api/v1/campaigns/${created.value.id}/recipients/${email}`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 200, res.body);
    const contactId = (await t.db.selectFrom('contacts').select('id').where('workspace_id', '=', ws.workspaceId).where('email', '=', email).executeTakeFirstOrThrow()).id;
    const bounces = await t.db.selectFrom('bounces').select('id').where('contact_id', '=', contactId).execute();
    const suppressions = await t.db.selectFrom('suppressions').select('id').where('contact_id', '=', contactId).execute();
    return { email, row: await row(), log, why: res.json(), bounces: bounces.length, suppressions: suppressions.length };
  }

  /** A refused relay: not sent, retried with the reason as its reply, no bounce, no suppression, one log line. */
  function assertRefused(c: Awaited<ReturnType<typeof sendCampaign>>, reason: RegExp) {
    assert.equal(c.row.state, 'queued', 'retried later');
    assert.equal(c.row.attempts, 1);
    assert.match(c.row.last_reply ?? '', /^connect: TLS refused: .*; nothing was sent, credentials included$/);
    assert.match(c.row.last_reply ?? '', reason);
    assert.equal(c.why.stage, 'retrying');
    assert.equal(c.why.lastReply, c.row.last_reply);
    assert.match(c.why.summary, /^Not sent yet: attempt 1 .*could not reach the outgoing mail server \(connect: TLS refused: /);
    assert.deepEqual([c.bounces, c.suppressions], [0, 0], 'never a bounce, never a suppression');
    const lines = c.log.filter((l) => l.msg === 'SMTP relay refused: not sent, retried later');
    assert.equal(lines.length, 1, JSON.stringify(c.log));
    assert.match(String(lines[0].reason), reason);
    assert.ok(!JSON.stringify(c.log).includes(PASS), 'the password is never logged');
  }

  it('with requireTls and the relay\'s certificate as tlsCaFile: a campaign mail and a confirmation arrive, AUTH over TLS', async () => {
    const relay = await startRelay(cert);
    try {
      const config = relayConfig(relay, { requireTls: true, tlsCaFile: cert.certFile });
      const c = await sendCampaign(config);
      assert.equal(c.row.state, 'sent', c.row.last_reply ?? '');
      assert.deepEqual(relay.mails.map((m) => [m.to, m.secure]), [[[c.email], true]]);
      assert.equal((await simpleParser(relay.mails[0].raw)).subject, 'Over TLS');

      // Platform mail: a double opt-in confirmation, sent by the sign-up route through `smtp.*`
      const signups = await buildApp({ db: t.db, config, logger: false });
      try {
        const f = await publicFixture(t.db, signups);
        const form = await createTestForm(f);
        const res = await signups.inject({ method: 'POST', url: `/f/${form.publicId}?lang=en`, headers: FORM,
          payload: formBody({ email: 'bea@example.com', consent_email: 'yes', list: [f.lists[0].id], lang: 'en', v: String(form.version) }) });
        assert.equal(res.statusCode, 200);
        await until('the confirmation', () => relay.mails.length === 2);
        assert.deepEqual(relay.mails[1].to, ['bea@example.com']);
        assert.equal(relay.mails[1].secure, true);
        assert.equal((await simpleParser(relay.mails[1].raw)).headers.get('x-listwarden-kind'), 'double-opt-in');
      } finally {
        await signups.close();
      }
      assert.ok(relay.logins.length >= 2, 'each sender logged in');
      assert.ok(relay.logins.every((l) => l.user === USER && l.secure), JSON.stringify(relay.logins));
    } finally {
      await relay.close();
    }
  });

  it('with requireTls but without the CA: the certificate is not trusted, nothing sent, the password never sent', async () => {
    const relay = await startRelay(cert);
    try {
      const config = relayConfig(relay, { requireTls: true });
      const c = await sendCampaign(config);
      assertRefused(c, /TLS refused: the SMTP relay 127\.0\.0\.1:\d+ presented a certificate that is not trusted \(self[- ]signed certificate\); for a relay with its own CA, set LISTWARDEN_SMTP_TLS_CA_FILE/);
      const platform = await sendPlatformMail(config);
      assert.equal(platform.result.ok, false);
      assert.ok(!platform.result.ok && !platform.result.permanent, 'tried again later, not given up');
      assert.match(!platform.result.ok ? platform.result.reason : '', /^TLS refused: .*certificate that is not trusted/);
      assert.match(String(platform.log.find((l) => l.msg === 'mail not submitted')?.reason), /^TLS refused: .*certificate that is not trusted/);
      assert.deepEqual([relay.logins, relay.mails], [[], []], 'onAuth never called, nothing received');
    } finally {
      await relay.close();
    }
  });

  it('with requireTls and a relay that will not start TLS (no STARTTLS offered, the command refused): nothing sent, the password never sent', async () => {
    const relay = await startRelay(cert, { noTls: true });
    try {
      const config = relayConfig(relay, { requireTls: true, tlsCaFile: cert.certFile });
      const c = await sendCampaign(config);
      assertRefused(c, /TLS refused: the SMTP relay 127\.0\.0\.1:\d+ did not start TLS \(STARTTLS refused: 5\d\d [^)]*\) and TLS is required \(LISTWARDEN_SMTP_REQUIRE_TLS\)/);
      const platform = await sendPlatformMail(config);
      assert.ok(!platform.result.ok && !platform.result.permanent, 'a 5xx to STARTTLS is not a refusal of the recipient');
      assert.match(!platform.result.ok ? platform.result.reason : '', /^TLS refused: .*did not start TLS/);
      assert.deepEqual([relay.logins, relay.mails], [[], []], 'onAuth never called, nothing received');
    } finally {
      await relay.close();
    }
  });

  it('with requireTls and STARTTLS hidden from EHLO but accepted: asked for anyway, mail sent over TLS', async () => {
    const relay = await startRelay(cert, { hideStartTls: true });
    try {
      const c = await sendCampaign(relayConfig(relay, { requireTls: true, tlsCaFile: cert.certFile }));
      assert.equal(c.row.state, 'sent', c.row.last_reply ?? '');
      assert.deepEqual([relay.mails.length, relay.mails[0].secure], [1, true]);
      assert.ok(relay.logins.length > 0 && relay.logins.every((l) => l.secure), JSON.stringify(relay.logins));
    } finally {
      await relay.close();
    }
  });
});

/** A platform mail through `mailSenderFromConfig`, as the confirmation job sends it, and what it logged. */
async function sendPlatformMail(config: Config) {
  const log: Record<string, unknown>[] = [];
  const sender = mailSenderFromConfig(config, (line) => log.push(line));
  try {
    const result = await sender.send({ to: 'bea@example.com', subject: 'Please confirm', text: 'https://lists.shop.example/p/confirm?t=SECRET' });
    assert.ok(!JSON.stringify(log).includes(PASS), 'the password is never logged');
    return { result, log };
  } finally {
    await sender.close();
  }
}

/** What `createTestForm` needs: a workspace with a list and an admin token on `app`. */
async function publicFixture(db: Db, app: FastifyInstance): Promise<Fixture> {
  const ws = await createWorkspace({ db, name: `Bakery ${randomBytes(2).toString('hex')}`, actor: system, now: new Date() });
  const api = await createApiToken({ db, workspaceId: ws.id, name: 't', role: 'admin', actor: system, now: new Date() });
  const list = await db.insertInto('lists').values({ workspace_id: ws.id, name: 'Weekly news' }).returning(['id', 'name']).executeTakeFirstOrThrow();
  return { app, lists: [list], auth: { authorization: `Bearer ${api.token}` } } as unknown as Fixture;
}

it('start-up: a CA file that cannot be read stops the campaign worker, naming the variable', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lw-tls-cli-'));
  try {
    const r = await runCli(['campaign-worker', '--data-dir', dataDir], { LISTWARDEN_SECRET_KEY: 'k'.repeat(40), LISTWARDEN_SMTP_TLS_CA_FILE: join(dataDir, 'no-such-ca.pem'), DATABASE_URL: undefined, LISTWARDEN_CONFIG: undefined });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^listwarden campaign-worker: setting "smtp\.tlsCaFile" \(LISTWARDEN_SMTP_TLS_CA_FILE\): cannot read .*no-such-ca\.pem: ENOENT/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('start-up: requireTls set off with credentials to another machine is logged once as a warning, without the password', { timeout: 90_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lw-tls-cli-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME, LISTWARDEN_SECRET_KEY: 'k'.repeat(40), LISTWARDEN_LOG_LEVEL: 'info',
    // TEST-NET-1: another machine that is never reached, as nothing is queued
    LISTWARDEN_SMTP_HOST: '192.0.2.25', LISTWARDEN_SMTP_PORT: '587', LISTWARDEN_SMTP_USER: USER, LISTWARDEN_SMTP_PASS: PASS, LISTWARDEN_SMTP_REQUIRE_TLS: 'false',
  };
  const entry = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, 'campaign-worker', '--data-dir', dataDir], { cwd: join(import.meta.dirname, '..'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await until('the worker to start', () => out.includes('campaign worker started') || child.exitCode !== null, 60_000);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    const lines = out.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return { raw: l }; } });
    const warnings = lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('LISTWARDEN_SMTP_REQUIRE_TLS is off'));
    assert.equal(warnings.length, 1, out);
    assert.equal(warnings[0].level, 40, 'a warning');
    assert.match(warnings[0].msg, /credentials .* may be sent in clear to 192\.0\.2\.25:587/);
    assert.ok(!out.includes(PASS), 'the password is never logged');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
