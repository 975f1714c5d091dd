/**
 * Starts the campaign send worker from the configuration: `listwarden campaign-worker` runs only this, and
 * `listwarden serve` runs it beside the HTTP server (on embedded PGlite no second process may open the data).
 * Beside it runs the scheduler that starts scheduled sends when they are due.
 */
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { startSendScheduler } from '../campaigns/send-scheduler.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { startSendWorker } from './send-worker.js';
import { relayErrorReporter, smtpRelay } from './smtp-relay.js';

export function startCampaignSending(options: { db: Db; config: Config; log: (entry: unknown) => void }): ReturnType<typeof startSendWorker> {
  const { db, config } = options;
  const s = config.sending;
  const workerId = `${hostname()}:${process.pid}`;
  // TLS required for the relay by the rule of `smtp-relay.ts`; a refusal is told plainly in "why" and logged
  const relay = smtpRelay(config.smtp);
  const explainError = relayErrorReporter({ relay, log: options.log });
  const worker = startSendWorker({
    db, workerId, host: { id: hostname(), cpus: availableParallelism() },
    smtp: { host: relay.host, port: relay.port, secure: relay.secure, user: relay.user, pass: relay.pass, requireTls: relay.requireTls, ca: relay.ca, explainError },
    connections: s.connections, batchSize: s.batchSize, leaseMs: s.leaseSeconds * 1000, pollMs: s.pollMs, renderThreads: s.renderThreads,
    pacing: { perSecond: s.perSecond, perDomainPerMinute: s.perDomainPerMinute },
    secret: config.secretKey, baseUrl: config.baseUrl,
    // Read by every worker of this host: a dead one's rows whose dot went out are not sent again (send-journal.ts).
    journal: { dir: join(config.dataDir, 'send-journal') },
    log: options.log,
  });
  const scheduler = startSendScheduler({ db, workerId, secret: config.secretKey, baseUrl: config.baseUrl, pollMs: Math.max(s.pollMs, 1000), log: options.log });
  return { ...worker, stop: async () => { await scheduler.stop(); await worker.stop(); } };
}
