/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by `openssl req -x509` in a fresh temporary directory:
 * the SMTP relay in the TLS tests presents it, and the client trusts it only when given the file as its CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TestCertificate = { dir: string; certFile: string; keyFile: string; cert: string; key: string; remove(): void };

export function makeSelfSignedCertificate(commonName = 'relay.test'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'lw-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'pipe' });
  return {
    dir, certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
