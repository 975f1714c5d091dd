/**
 * `listwarden campaign-worker`: runs the campaign send worker until SIGTERM/SIGINT, then stops claiming, finishes
 * the batch in flight and exits. Several may run at once against PostgreSQL; each claims its own rows.
 */
import { parseArgs } from 'node:util';
import { startCampaignSending } from '../sending/start-campaign-sending.js';
import { onShutdown, openRuntime, startupMessage } from '../server/runtime.js';

const usage = 'Usage: listwarden campaign-worker [--data-dir DIR] [--connections N] [--batch-size N]\n';

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, connections: { type: 'string' }, 'batch-size': { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (err) {
    process.stderr.write(`listwarden campaign-worker: ${startupMessage(err)}\n${usage}`);
    return 2;
  }
  if (values.help) { process.stdout.write(usage); return 0; }
  let runtime;
  try {
    const sending: Record<string, string> = {};
    if (values.connections) sending.connections = values.connections;
    if (values['batch-size']) sending.batchSize = values['batch-size'];
    runtime = await openRuntime({ dataDir: values['data-dir'], sending }, { sendsMail: true });
  } catch (err) {
    process.stderr.write(`listwarden campaign-worker: ${startupMessage(err)}\n`);
    return 1;
  }
  const { config, logger, db } = runtime;
  const s = config.sending;
  const log = logger.child({ component: 'campaign-worker' });
  const worker = startCampaignSending({ db, config, log: (entry) => log.info(entry) });
  log.info({ connections: s.connections, batchSize: s.batchSize }, 'campaign worker started');
  await new Promise<void>((resolve) => onShutdown(logger, async () => { await worker.stop(); await db.destroy(); resolve(); }));
  return 0;
}
