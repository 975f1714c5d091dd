/**
 * `listwarden serve [--port N] [--host H] [--data-dir DIR] [--no-worker]`: migrations, first-start set-up,
 * the HTTP server and (unless --no-worker) the job worker in one process; SIGTERM stops it within 10 s.
 */
import { parseArgs } from 'node:util';
import { loadJobModules } from '../jobs/registry.js';
import { startWorker } from '../jobs/worker.js';
import { buildApp } from '../server/app.js';
import { onShutdown, openRuntime, startupMessage } from '../server/runtime.js';
import { bootstrapPlatform } from '../workspaces/bootstrap-platform.js';
import { startInboundServer, type InboundServer } from '../bounces/intake/inbound-server.js';
import { startCampaignSending } from '../sending/start-campaign-sending.js';

const usage = 'Usage: listwarden serve [--port N] [--host HOST] [--data-dir DIR] [--no-worker]';

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: {
      port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, 'no-worker': { type: 'boolean' }, help: { type: 'boolean' },
    } }));
  } catch (err) {
    process.stderr.write(`listwarden serve: ${startupMessage(err)}\n${usage}\n`);
    return 2;
  }
  if (values.help) { process.stdout.write(usage + '\n'); return 0; }
  let runtime;
  try {
    runtime = await openRuntime({ port: values.port, host: values.host, dataDir: values['data-dir'] }, { sendsMail: true });
  } catch (err) {
    process.stderr.write(`listwarden serve: ${startupMessage(err)}\n`);
    return 1;
  }
  const { config, logger, db } = runtime;
  const first = await bootstrapPlatform({ db, baseUrl: config.baseUrl, ownerEmail: config.ownerEmail, now: new Date() });
  if (first.created) {
    // printed, not logged: the link is a credential and logs are often shipped elsewhere
    process.stdout.write(`\nFirst start: created the default workspace and its owner ${first.ownerEmail}.\nSign in once with: ${first.signInUrl}\n\n`);
  }
  const app = await buildApp({ db, config, logger });
  let inbound: InboundServer | undefined;
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    process.stderr.write(`listwarden serve: ${listenMessage(err, 'the HTTP server', config.host, config.port, '--port N or LISTWARDEN_PORT')}\n`);
    await app.close();
    await db.destroy();
    return 1;
  }
  if (config.bounces.inboundEnabled) {
    const b = config.bounces;
    const log = logger.child({ component: 'bounce-receiver' });
    try {
      inbound = await startInboundServer({
        db, secret: config.secretKey, port: b.inboundPort, host: b.inboundHost, maxMessageBytes: b.inboundMaxBytes,
        domains: b.inboundDomains.split(','), log: (entry) => log.info(entry),
      });
    } catch (err) {
      process.stderr.write(`listwarden serve: ${listenMessage(err, 'the bounce receiver', b.inboundHost, b.inboundPort, 'LISTWARDEN_BOUNCES_INBOUND_PORT')}\n`);
      await app.close();
      await db.destroy();
      return 1;
    }
    logger.info({ port: inbound.port, host: inbound.host }, 'bounce receiver listening');
  }
  let worker: ReturnType<typeof startWorker> | undefined;
  let sending: ReturnType<typeof startCampaignSending> | undefined;
  if (!values['no-worker']) {
    await loadJobModules();
    worker = startWorker({ db, config, log: logger.child({ component: 'worker' }) });
    const sendLog = logger.child({ component: 'campaign-worker' });
    sending = startCampaignSending({ db, config, log: (entry) => sendLog.info(entry) });
  }
  await new Promise<void>((resolve) => {
    onShutdown(logger, async () => {
      await app.close();
      await inbound?.close();
      await worker?.stop();
      await sending?.stop();
      await db.destroy();
      resolve();
    });
  });
  return 0;
}

/** "port 3000 on 127.0.0.1 is already in use …, choose another with --port N": what to do, not only EADDRINUSE. */
export function listenMessage(err: unknown, what: string, host: string, port: number, setting: string): string {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') return `${what} cannot listen: port ${port} on ${host} is already in use (another listwarden, or another program); stop it, or choose another port with ${setting}`;
  if (code === 'EACCES') return `${what} cannot listen: port ${port} on ${host} needs privileges this process does not have; choose a port above 1023 with ${setting}`;
  if (code === 'EADDRNOTAVAIL') return `${what} cannot listen: ${host} is not an address of this machine`;
  return `${what} cannot listen on ${host}:${port}: ${(err as Error).message}`;
}
