/**
 * Configuration: one zod schema, read once at start-up and frozen.
 * Order: schema defaults, then an optional JSON config file, then `LISTWARDEN_*` environment variables and
 * `DATABASE_URL`, then explicit overrides (command-line flags). Nothing else in the code reads `process.env`.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from './errors.js';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  /** `postgres://…` switches from embedded PGlite to PostgreSQL. */
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  databasePoolSize: z.coerce.number().int().min(1).max(500).default(20),
  /** Named prepared statements on PostgreSQL; turn off behind a transaction-mode pooler (PgBouncer). */
  databasePreparedStatements: bool.default(true),
  port: port.default(3000),
  host: z.string().min(1).default('127.0.0.1'),
  /** The public URL that links in emails and sign-in links point to. */
  baseUrl: z.string().url().optional(),
  /** Signs public tokens; generated into `dataDir/secret-key` on first start when absent. */
  secretKey: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The owner created on first start. */
  ownerEmail: z.string().email().default('owner@localhost.localdomain'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Session cookies carry `Secure` unless the base URL is plain http. */
  cookieSecure: bool.optional(),
  sessionTtlHours: z.coerce.number().int().min(1).default(24 * 14),
  smtp: z.object({
    transport: z.enum(['smtp', 'log']).default('log'),
    host: z.string().default('127.0.0.1'),
    port: port.default(25),
    secure: bool.default(false),
    user: z.string().optional(),
    pass: z.string().optional(),
    /** Refuse to send without TLS; unset: required whenever credentials go to a host other than this machine
     *  (`src/sending/smtp-relay.ts`). */
    requireTls: bool.optional(),
    /** PEM file of the CA certificates the relay's certificate must chain to, instead of Node's public CAs; read
     *  once at start, into `tlsCa`. */
    tlsCaFile: z.string().min(1).optional(),
    poolSize: z.coerce.number().int().min(1).max(100).default(5),
  }).prefault({}),
  bounces: z.object({
    /** Start the inbound SMTP receiver for returned mail with `listwarden serve`. */
    inboundEnabled: bool.default(false),
    inboundPort: port.default(2525),
    inboundHost: z.string().min(1).default('127.0.0.1'),
    /** Comma-separated domains accepted besides the sender profiles' return-path domains. */
    inboundDomains: z.string().default(''),
    inboundMaxBytes: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
    /** Webhook secrets; a provider's route refuses everything until its secret is set. */
    sendgridPublicKey: z.string().optional(),
    mailgunSigningKey: z.string().optional(),
    postmarkUser: z.string().optional(),
    postmarkPassword: z.string().optional(),
    /** Comma-separated SNS topic ARNs accepted for SES notifications. */
    snsTopicArns: z.string().default(''),
  }).prefault({}),
  worker: z.object({
    concurrency: z.coerce.number().int().min(1).max(64).default(4),
    pollMs: z.coerce.number().int().min(10).default(1000),
  }).prefault({}),
  /** The campaign send worker (`listwarden campaign-worker`); SMTP server and credentials come from `smtp`. */
  sending: z.object({
    connections: z.coerce.number().int().min(1).max(100).default(8),
    batchSize: z.coerce.number().int().min(1).max(5000).default(500),
    /** A claimed row whose worker died is queued again after this long. */
    leaseSeconds: z.coerce.number().min(1).max(3600).default(60),
    pollMs: z.coerce.number().int().min(10).default(500),
    /** Worker threads that render and DKIM-sign ahead of sending; 0 keeps it on the main thread. */
    renderThreads: z.coerce.number().int().min(0).max(16).default(1),
    perSecond: z.coerce.number().positive().optional(),
    perDomainPerMinute: z.coerce.number().positive().optional(),
  }).prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;
/** The resolved configuration; `secretKey` and `baseUrl` are always set after `loadConfig`, and `smtp.tlsCa` holds
 *  the certificates of `smtp.tlsCaFile`. */
export type Config = Readonly<Omit<Parsed, 'secretKey' | 'baseUrl' | 'smtp'> & { secretKey: string; baseUrl: string; smtp: Parsed['smtp'] & { tlsCa?: string } }>;

type Env = Record<string, string | undefined>;

/** Maps `LISTWARDEN_SMTP_POOL_SIZE` to `smtp.poolSize`: one level of nesting by the first word that is a group. */
function fromEnv(env: Env): Record<string, unknown> {
  const out: Record<string, any> = {};
  const groups = new Set(['smtp', 'bounces', 'worker', 'sending']);
  const camel = (parts: string[]) => parts.map((p, i) => (i === 0 ? p : p[0].toUpperCase() + p.slice(1))).join('');
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('LISTWARDEN_') || value === undefined || key === 'LISTWARDEN_CONFIG') continue;
    const parts = key.slice('LISTWARDEN_'.length).toLowerCase().split('_').filter(Boolean);
    if (parts.length === 0) continue;
    if (groups.has(parts[0]) && parts.length > 1) {
      out[parts[0]] = { ...(out[parts[0]] ?? {}), [camel(parts.slice(1))]: value };
    } else {
      out[camel(parts)] = value;
    }
  }
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  return out;
}

function merge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? merge(out[k], v) : v;
  }
  return out;
}

export type LoadConfigOptions = {
  env?: Env;
  /** Path of a JSON config file; default `LISTWARDEN_CONFIG`, else `listwarden.config.json` when it exists. */
  file?: string;
  overrides?: Record<string, unknown>;
  /** Write a generated secret key into the data dir (off for tests that should leave no files). */
  persistSecret?: boolean;
};

/** Parses the configuration once; throws `AppError('invalid_config')` naming the bad setting. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  let fileValues: Record<string, unknown> = {};
  const file = options.file ?? env.LISTWARDEN_CONFIG ?? (existsSync('listwarden.config.json') ? 'listwarden.config.json' : undefined);
  if (file) {
    try {
      fileValues = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new AppError('invalid_config', `config file ${file}: ${(err as Error).message}`);
    }
  }
  const raw = merge(merge(fileValues, fromEnv(env)), options.overrides ?? {});
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue.path.join('.') || '(root)';
    throw new AppError('invalid_config', `setting "${name}": ${issue.message}`, { details: { path: name } });
  }
  const c = parsed.data;
  const dataDir = resolve(c.dataDir);
  const secretKey = c.secretKey ?? readOrCreateSecret(dataDir, options.persistSecret ?? true);
  const baseUrl = (c.baseUrl ?? `http://${c.host === '0.0.0.0' ? 'localhost' : c.host}:${c.port}`).replace(/\/+$/, '');
  const cookieSecure = c.cookieSecure ?? baseUrl.startsWith('https:');
  const smtp = c.smtp.tlsCaFile ? { ...c.smtp, tlsCa: readCaFile(c.smtp.tlsCaFile) } : c.smtp;
  return deepFreeze({ ...c, dataDir, secretKey, baseUrl, cookieSecure, smtp });
}

/** The PEM certificates in `path`, each checked to parse; a startup error naming the setting otherwise. */
function readCaFile(path: string): string {
  const fail = (why: string) => new AppError('invalid_config', `setting "smtp.tlsCaFile" (LISTWARDEN_SMTP_TLS_CA_FILE): ${why}`, { details: { path: 'smtp.tlsCaFile' } });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fail(`cannot read ${path}: ${(err as Error).message}`);
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw fail(`${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw fail(`certificate ${i + 1} in ${path} cannot be read: ${(err as Error).message}`);
    }
  }
  return blocks.join('\n') + '\n';
}

function readOrCreateSecret(dataDir: string, persist: boolean): string {
  const path = join(dataDir, 'secret-key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const key = randomBytes(32).toString('base64url');
  if (persist) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, key + '\n', { mode: 0o600, flag: 'wx' });
  }
  return key;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A configuration for tests: in-memory database, fixed secret, silent logs. */
export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, file: '', persistSecret: false, overrides: { secretKey: 'test-secret-key-0123456789abcdef0123456789', logLevel: 'silent', dataDir: '.tmp/test-data', ...overrides } });
}
