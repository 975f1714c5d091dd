/**
 * What every long-running command starts with: the frozen config, a pino logger that redacts secrets, and a
 * migrated database. Also the shutdown helper: run the steps, but exit within the deadline regardless.
 */
import pino, { type Logger } from 'pino';
import { loadConfig, type Config } from '../config.js';
import { createDatabase, type Db } from '../db/database.js';
import { migrateOrThrow } from '../db/migrate.js';
import { smtpRelay } from '../sending/smtp-relay.js';

export type Runtime = { config: Config; logger: Logger; db: Db };

// Public links carry their token in the path or query: log the route pattern, never the full URL.
const requestSerializer = (req: { id?: unknown; method: string; url: string; routeOptions?: { url?: string }; ip?: string }) => ({
  id: req.id, method: req.method, route: req.routeOptions?.url ?? req.url.split('?')[0].replace(/\/[\w-]{20,}(?=\/|$)/g, '/…'), ip: req.ip,
});

/** The process's logger; `destination` defaults to stdout (benches pass a file to keep their output clean). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino({
    level: config.logLevel,
    serializers: { req: requestSerializer as any },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password', 'token', '*.token', 'secretKey', '*.secretKey', 'smtp.pass'], censor: '[redacted]' },
  }, destination);
}

/** `sendsMail`: the command sends through `smtp.*` (serve, worker, campaign-worker); a relay's TLS warning is logged. */
export async function openRuntime(overrides: Record<string, unknown> = {}, options: { migrate?: boolean; sendsMail?: boolean } = {}): Promise<Runtime> {
  const config = loadConfig({ overrides });
  const logger = createLogger(config);
  const relay = options.sendsMail ? smtpRelay(config.smtp) : undefined;
  if (relay?.warning) logger.warn({ smtpHost: relay.host, smtpPort: relay.port }, relay.warning);
  const db = await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : config.dataDir, poolSize: config.databasePoolSize, preparedStatements: config.databasePreparedStatements });
  if (options.migrate !== false) {
    const applied = await migrateOrThrow(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  return { config, logger, db };
}

/** Calls `stop` on SIGTERM/SIGINT; exits with 1 if it has not finished within `deadlineMs`. */
export function onShutdown(logger: Logger, stop: () => Promise<void>, deadlineMs = 10_000): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => { logger.error('shutdown took too long; exiting'); process.exit(1); }, deadlineMs);
    timer.unref();
    stop().then(
      () => { clearTimeout(timer); logger.info('stopped'); process.exitCode = 0; },
      (err) => { logger.error({ err }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.once('SIGTERM', () => handler('SIGTERM'));
  process.once('SIGINT', () => handler('SIGINT'));
}

/** Turns an error at start-up into one readable line (config errors name the setting). */
export function startupMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
