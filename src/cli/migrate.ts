/** `listwarden migrate [--data-dir DIR]`: applies pending migrations, and sets up the default workspace. */
import { parseArgs } from 'node:util';
import { migrateToLatest } from '../db/migrate.js';
import { openRuntime, startupMessage } from '../server/runtime.js';
import { bootstrapPlatform } from '../workspaces/bootstrap-platform.js';

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (err) {
    process.stderr.write(`listwarden migrate: ${startupMessage(err)}\n`);
    return 2;
  }
  if (values.help) { process.stdout.write('Usage: listwarden migrate [--data-dir DIR]\n'); return 0; }
  let runtime;
  try {
    runtime = await openRuntime({ dataDir: values['data-dir'], logLevel: 'warn' }, { migrate: false });
  } catch (err) {
    process.stderr.write(`listwarden migrate: ${startupMessage(err)}\n`);
    return 1;
  }
  const { db, config } = runtime;
  try {
    const { error, results } = await migrateToLatest(db);
    for (const r of results ?? []) process.stdout.write(`${r.status === 'Success' ? 'applied' : r.status.toLowerCase()}: ${r.migrationName}\n`);
    if (error) {
      process.stderr.write(`listwarden migrate: ${startupMessage(error)}\n`);
      return 1;
    }
    if (!results?.length) process.stdout.write('up to date\n');
    const first = await bootstrapPlatform({ db, baseUrl: config.baseUrl, ownerEmail: config.ownerEmail, now: new Date() });
    if (first.created) process.stdout.write(`created the default workspace and its owner ${first.ownerEmail}\nSign in once with: ${first.signInUrl}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}
