/** `listwarden worker [--data-dir DIR]`: only the job worker, for set-ups that split it from the server. */
import { parseArgs } from 'node:util';
import { loadJobModules } from '../jobs/registry.js';
import { startWorker } from '../jobs/worker.js';
import { onShutdown, openRuntime, startupMessage } from '../server/runtime.js';

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (err) {
    process.stderr.write(`listwarden worker: ${startupMessage(err)}\n`);
    return 2;
  }
  if (values.help) { process.stdout.write('Usage: listwarden worker [--data-dir DIR] [--concurrency N]\n'); return 0; }
  let runtime;
  try {
    runtime = await openRuntime({ dataDir: values['data-dir'], worker: values.concurrency ? { concurrency: values.concurrency } : undefined }, { sendsMail: true });
  } catch (err) {
    process.stderr.write(`listwarden worker: ${startupMessage(err)}\n`);
    return 1;
  }
  const { config, logger, db } = runtime;
  await loadJobModules();
  const worker = startWorker({ db, config, log: logger.child({ component: 'worker' }) });
  logger.info('worker started');
  await new Promise<void>((resolve) => onShutdown(logger, async () => { await worker.stop(); await db.destroy(); resolve(); }));
  return 0;
}
