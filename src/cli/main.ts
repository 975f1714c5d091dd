/**
 * The `listwarden` command line: one sub-command per file in this folder,
 * each loaded lazily so that `evaluate` does not pay for the database driver.
 */
type Command = { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  evaluate: { summary: 'decide who may be mailed: JSON Lines of cases in, verdicts out', load: () => import('./evaluate.js') },
  bounces: { summary: 'returned mail: bounces parse PATH... [--json]; bounces ingest PATH... (record and act)', load: () => import('./bounces.js') },
  serve: { summary: 'start the HTTP server and the job worker', load: () => import('./serve.js') },
  worker: { summary: 'run only the background job worker', load: () => import('./worker.js') },
  'campaign-worker': { summary: 'send queued campaign mail (several may run side by side on PostgreSQL)', load: () => import('./campaign-worker.js') },
  migrate: { summary: 'apply database migrations', load: () => import('./migrate.js') },
  admin: { summary: 'create users and API tokens', load: () => import('./admin.js') },
  audit: { summary: 'verify the audit log hash chain (audit verify)', load: () => import('./audit.js') },
  import: { summary: 'import a list with its provenance declaration: import FILE --list --source --collected-at --consent', load: () => import('./import.js') },
};

export function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length), 8);
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: listwarden <command> [options]', '', 'Commands:', ...lines, '', 'Run `listwarden <command> --help` for a command\'s options.'].join('\n');
}

/** Runs one command and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(helpText() + '\n');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`listwarden: unknown command "${name}"\n\n${helpText()}\n`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}
