/**
 * Starts the campaign send worker from the configuration: `listwarden campaign-worker` runs only this, and
 * `listwarden serve` runs it beside the HTTP server (on embedded PGlite no second process may open the data).
 */
import { hostname } from 'node:os';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { startSendWorker } from './send-worker.js';

export function startCampaignSending(options: { db: Db; config: Config; log: (entry: unknown) => void }): ReturnType<typeof startSendWorker> {
  const { db, config } = options;
  const s = config.sending;
  return startSendWorker({
    db, workerId: `${hostname()}:${process.pid}`,
    smtp: { host: config.smtp.host, port: config.smtp.port, secure: config.smtp.secure, user: config.smtp.user, pass: config.smtp.pass },
    connections: s.connections, batchSize: s.batchSize, leaseMs: s.leaseSeconds * 1000, pollMs: s.pollMs, renderThreads: s.renderThreads,
    pacing: { perSecond: s.perSecond, perDomainPerMinute: s.perDomainPerMinute },
    secret: config.secretKey, baseUrl: config.baseUrl,
    log: options.log,
  });
}
