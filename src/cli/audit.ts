/** `listwarden audit verify [--data-dir DIR]`: checks the audit log's hash chain; exit 0 intact, 3 broken. */
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../audit/verify-audit-chain.js';
import { openRuntime, startupMessage } from '../server/runtime.js';

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify') {
    process.stdout.write('Usage: listwarden audit verify [--data-dir DIR]\n');
    return sub === undefined || sub === '--help' || sub === '-h' ? 0 : 2;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { 'data-dir': { type: 'string' } } }));
  } catch (err) {
    process.stderr.write(`listwarden audit: ${startupMessage(err)}\n`);
    return 2;
  }
  let runtime;
  try {
    runtime = await openRuntime({ dataDir: values['data-dir'], logLevel: 'warn' });
  } catch (err) {
    process.stderr.write(`listwarden audit: ${startupMessage(err)}\n`);
    return 1;
  }
  try {
    const report = await verifyAuditChain({ db: runtime.db });
    if (report.ok) {
      process.stdout.write(`audit chain intact: ${report.entries} entries\n`);
      return 0;
    }
    process.stdout.write(`audit chain BROKEN at entry ${report.firstBreak!.id} (${report.firstBreak!.reason}); ${report.entries} entries read\n`);
    return 3;
  } finally {
    await runtime.db.destroy();
  }
}
