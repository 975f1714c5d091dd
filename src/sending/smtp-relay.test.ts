import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { makeSelfSignedCertificate } from '../../test/support/tls-cert.js';
import { explainRelayError, isLoopbackHost, smtpRelay } from './smtp-relay.js';

const PASS = 'relay-pass-never-logged';
/** The configuration from these environment variables, as `listwarden` reads it at start. */
const fromEnv = (env: Record<string, string>) =>
  loadConfig({ env: { LISTWARDEN_SECRET_KEY: 'k'.repeat(40), ...env }, file: '', persistSecret: false });
const relayOf = (env: Record<string, string>) => smtpRelay(fromEnv(env).smtp);

describe('SMTP relay: when TLS is required', () => {
  it('by default whenever credentials go to another machine', () => {
    const r = relayOf({ LISTWARDEN_SMTP_HOST: 'smtp.example.com', LISTWARDEN_SMTP_PORT: '587', LISTWARDEN_SMTP_USER: 'relay-user', LISTWARDEN_SMTP_PASS: PASS });
    assert.equal(r.requireTls, true);
    assert.equal(r.warning, undefined);
    assert.equal(relayOf({ LISTWARDEN_SMTP_HOST: '192.0.2.25', LISTWARDEN_SMTP_USER: 'relay-user' }).requireTls, true, 'an IP address of another machine');
  });

  it('not by default without credentials, or on this machine', () => {
    assert.equal(relayOf({ LISTWARDEN_SMTP_HOST: 'smtp.example.com' }).requireTls, false);
    for (const host of ['127.0.0.1', '127.0.0.53', 'localhost', '::1', '[::1]']) {
      assert.equal(relayOf({ LISTWARDEN_SMTP_HOST: host, LISTWARDEN_SMTP_USER: 'relay-user', LISTWARDEN_SMTP_PASS: PASS }).requireTls, false, host);
    }
  });

  it('on when set, also on this machine', () => {
    assert.equal(relayOf({ LISTWARDEN_SMTP_HOST: '127.0.0.1', LISTWARDEN_SMTP_REQUIRE_TLS: 'true' }).requireTls, true);
  });

  it('off when set, with a warning (naming no password) when credentials then go to another machine', () => {
    const r = relayOf({ LISTWARDEN_SMTP_HOST: 'smtp.example.com', LISTWARDEN_SMTP_USER: 'relay-user', LISTWARDEN_SMTP_PASS: PASS, LISTWARDEN_SMTP_REQUIRE_TLS: 'false' });
    assert.equal(r.requireTls, false);
    assert.match(r.warning ?? '', /LISTWARDEN_SMTP_REQUIRE_TLS is off.*in clear to smtp\.example\.com:25/);
    assert.ok(!r.warning!.includes(PASS));
    assert.equal(relayOf({ LISTWARDEN_SMTP_HOST: '127.0.0.1', LISTWARDEN_SMTP_USER: 'u', LISTWARDEN_SMTP_REQUIRE_TLS: 'false' }).warning, undefined, 'loopback');
    assert.equal(relayOf({ LISTWARDEN_SMTP_HOST: 'smtp.example.com', LISTWARDEN_SMTP_REQUIRE_TLS: 'false' }).warning, undefined, 'no credentials');
    assert.equal(relayOf({ LISTWARDEN_SMTP_HOST: 'smtp.example.com', LISTWARDEN_SMTP_USER: 'u', LISTWARDEN_SMTP_SECURE: 'true', LISTWARDEN_SMTP_REQUIRE_TLS: 'false' }).warning, undefined, 'implicit TLS');
  });

  it('tells loopback hosts from others', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['127.0.0.1.example.com', '10.0.0.1', '192.0.2.1', 'smtp.example.com', 'localhost.example.com', '::2']) assert.equal(isLoopbackHost(h), false, h);
  });

  it('a name under .localhost is another machine: the resolver is asked for it (and may append a search domain), so credentials to it need TLS', () => {
    // RFC 6761 only asks resolvers to answer such names with loopback; glibc without nss-myhostname sends them to DNS
    for (const h of ['mail.localhost', 'relay.LOCALHOST']) {
      assert.equal(isLoopbackHost(h), false, h);
      assert.equal(relayOf({ LISTWARDEN_SMTP_HOST: h, LISTWARDEN_SMTP_USER: 'relay-user', LISTWARDEN_SMTP_PASS: PASS }).requireTls, true, h);
    }
  });
});

describe('SMTP relay: the CA file', () => {
  const cert = makeSelfSignedCertificate();
  after(() => cert.remove());

  it('is read once at start into the configuration', () => {
    const config = fromEnv({ LISTWARDEN_SMTP_TLS_CA_FILE: cert.certFile });
    assert.equal(config.smtp.tlsCa?.trim(), cert.cert.trim());
    assert.equal(smtpRelay(config.smtp).ca, config.smtp.tlsCa);
  });

  it('stops start-up with a message naming the variable when it cannot be read or holds no certificate', () => {
    const bad = (path: string, why: RegExp) => assert.throws(() => fromEnv({ LISTWARDEN_SMTP_TLS_CA_FILE: path }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'invalid_config');
      assert.match(err.message, /LISTWARDEN_SMTP_TLS_CA_FILE/);
      assert.match(err.message, why);
      return true;
    });
    bad(join(cert.dir, 'missing.pem'), /cannot read .*missing\.pem: ENOENT/);
    bad(cert.keyFile, /holds no PEM certificate/);
    const broken = join(cert.dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    bad(broken, /certificate 1 in .*broken\.pem cannot be read/);
  });
});

describe('SMTP relay: errors told plainly', () => {
  const relay = { host: 'smtp.example.com', port: 587, requireTls: true };
  it('leaves other errors as they are', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET' });
    assert.equal(explainRelayError(err, relay), err);
    const refused = Object.assign(new Error('Invalid login: 535 5.7.8 bad credentials'), { code: 'EAUTH', responseCode: 535 });
    assert.equal(explainRelayError(refused, relay), refused);
  });
});
