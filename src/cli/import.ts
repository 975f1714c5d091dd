/**
 * `listwarden import FILE --list NAME --source TYPE --collected-at DATE --consent METHOD ...`: imports a list
 * with its provenance declaration into the default workspace, with a progress bar on a terminal and the
 * report at the end (a table, or JSON with --json). `import resume ID`, `import show ID`, `import rejected ID`.
 * Exit status: 0 done, 2 refused or bad input (the report says which rows), 1 the command itself failed.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '../errors.js';
import { createImport } from '../imports/create-import.js';
import { exportRejectedRows, getImport, type ImportView } from '../imports/get-import.js';
import { findImport } from '../imports/imports.repository.js';
import { reportTable } from '../imports/report.js';
import { runImport, type ImportProgress } from '../imports/run-import.js';
import { openRuntime, startupMessage, type Runtime } from '../server/runtime.js';
import { bootstrapPlatform } from '../workspaces/bootstrap-platform.js';
import { resolveWorkspace } from '../workspaces/resolve-workspace.js';

export const HELP = `Usage:
  listwarden import FILE --list NAME --source TYPE --collected-at DATE --consent METHOD
                    [--evidence REF]... [--collected-by us|third_party|third_party_for_us]
                    [--collected-from DATE] [--country CC] [--kind KIND] [--description TEXT] [--json]
  listwarden import resume ID [--json]      finish an import that was interrupted
  listwarden import show ID [--json]        print an import's report
  listwarden import rejected ID             print the rejected rows as CSV (line, outcome, reason, email, raw)

Imports a CSV/TSV (any delimiter, UTF-8 or Windows-1252) or XLSX file into a list of the default workspace.
The declaration says where the addresses come from; a forbidden source is refused before any row is read.
  --source TYPE        web_form, checkout, offline_form, business_card, crm, ... (the evaluate contract's types)
  --consent METHOD     double_opt_in, single_opt_in, written, verbal_scripted, purchase_notice, ...
  --collected-at DATE  when the addresses were collected (the end of the period)
  --country CC         country for rows without one (ISO 3166-1 alpha-2)
Options: --workspace ID|SLUG, --data-dir DIR, --batch-size N, --progress (progress lines even when standard error
is not a terminal, for logs). DATABASE_URL selects PostgreSQL.`;

const options = {
  list: { type: 'string' }, source: { type: 'string' }, 'collected-at': { type: 'string' }, 'collected-from': { type: 'string' },
  consent: { type: 'string' }, evidence: { type: 'string', multiple: true }, 'collected-by': { type: 'string' },
  country: { type: 'string' }, kind: { type: 'string' }, description: { type: 'string' }, json: { type: 'boolean' }, progress: { type: 'boolean' },
  workspace: { type: 'string' }, 'data-dir': { type: 'string' }, 'batch-size': { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; allowPositionals: true }>>['values'];

export async function run(args: string[]): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options, allowPositionals: true }));
  } catch (err) {
    process.stderr.write(`listwarden import: ${startupMessage(err)}\n`);
    return 2;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  let runtime: Runtime;
  try {
    runtime = await openRuntime({ ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), logLevel: 'warn' });
  } catch (err) {
    process.stderr.write(`listwarden import: ${startupMessage(err)}\n`);
    return 1;
  }
  try {
    const first = await bootstrapPlatform({ db: runtime.db, baseUrl: runtime.config.baseUrl, ownerEmail: runtime.config.ownerEmail, now: new Date() });
    if (first.created) process.stderr.write(`created the default workspace and its owner ${first.ownerEmail}\nSign in once with: ${first.signInUrl}\n`);
    const ws = await resolveWorkspace({ db: runtime.db, workspace: values.workspace });
    const [verb, arg] = positionals;
    if ((verb === 'resume' || verb === 'show' || verb === 'rejected') && positionals.length === 2) {
      const id = Number(arg);
      if (!Number.isSafeInteger(id) || id <= 0) {
        process.stderr.write(`listwarden import: "${arg}" is not an import id\n`);
        return 2;
      }
      if (verb === 'show') return printReport(await getImport({ db: runtime.db, workspaceId: ws.id, id, now: new Date() }), values.json);
      if (verb === 'rejected') {
        await exportRejectedRows({ db: runtime.db, workspaceId: ws.id, id, write: (chunk) => { process.stdout.write(chunk); } });
        return 0;
      }
      return await execute(runtime, ws.id, id, values);
    }
    if (positionals.length !== 1) {
      process.stderr.write(`listwarden import: give one FILE (got ${positionals.length} arguments)\n`);
      return 2;
    }
    const path = resolve(positionals[0]);
    const declaration = {
      list: values.list, source: values.source, collectedAt: values['collected-at'], consent: values.consent,
      evidence: values.evidence ?? [], collectedBy: values['collected-by'], collectedFrom: values['collected-from'],
      defaultCountry: values.country, defaultKind: values.kind, description: values.description,
    };
    const created = await createImport({ db: runtime.db, workspaceId: ws.id, filePath: path, fileName: basename(path), declaration, actor: { type: 'system', id: 'cli' }, now: new Date() });
    if (!created.ok) {
      const issues = created.error.details?.issues ?? [];
      // said in the words typed: the option, not the declaration's field name; one line per problem
      const lines = issues.length ? issues.map((i) => optionIssue(i, values)) : [created.error.message];
      process.stderr.write(lines.length === 1 ? `listwarden import: ${lines[0]}\n` : `listwarden import: the declaration is not complete:\n${lines.map((l) => `  ${l}\n`).join('')}`);
      return 2;
    }
    process.stderr.write(`import ${created.value.id} created (resume with: listwarden import resume ${created.value.id})\n`);
    return await execute(runtime, ws.id, created.value.id, values);
  } catch (err) {
    process.stderr.write(`listwarden import: ${isAppError(err) ? err.message : startupMessage(err)}\n`);
    return isAppError(err) && (err.code === 'not_found' || err.code === 'conflict' || err.code === 'invalid_input') ? 2 : 1;
  } finally {
    await runtime.db.destroy();
  }
}

/** A runner id; a dead process on this host can be recognised by its pid and taken over at once. */
function runnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

function deadLocalRunner(lockedBy: string | null): string | undefined {
  if (!lockedBy) return undefined;
  const [host, pid] = lockedBy.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return undefined;
  try {
    process.kill(Number(pid), 0);
    return undefined; // alive
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? lockedBy : undefined;
  }
}

async function execute(runtime: Runtime, workspaceId: string, id: number, values: Values): Promise<number> {
  const row = await findImport(runtime.db, workspaceId, id);
  if (!row) {
    process.stderr.write(`listwarden import: import ${id} not found\n`);
    return 2;
  }
  const bar = process.stderr.isTTY && !values.json ? progressBar() : values.progress ? progressLines() : null;
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : undefined;
  const result = await runImport({
    db: runtime.db, importId: id, runner: runnerId(), now: () => new Date(), batchSize,
    takeOverFrom: deadLocalRunner(row.locked_by), onProgress: bar?.update,
  });
  bar?.done();
  const view = await getImport({ db: runtime.db, workspaceId, id, now: new Date() });
  const code = printReport(view, values.json);
  if (result.status === 'failed') {
    if (!values.json) process.stderr.write(`listwarden import: import ${id} failed: ${result.error}\n`);
    return 2;
  }
  return code;
}

function printReport(view: ImportView, json: boolean | undefined): number {
  if (json) {
    process.stdout.write(`${JSON.stringify(view)}\n`);
    return view.status === 'failed' ? 2 : 0;
  }
  const rows = reportTable(view.counts);
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = [`import ${view.id} (${view.file.name}): ${view.status}${view.error ? ` - ${view.error}` : ''}`];
  const format = view.file.format as { headerLine?: number | null; columns?: { header: string; to: string }[] };
  if (format.columns) {
    // The columns the import recognised; those kept as custom fields under their own header are only counted.
    const asIs = (c: { header: string; to: string }) => c.to === 'ignored' || c.to === `custom:${c.header.trim()}`;
    const known = format.columns.filter((c) => !asIs(c));
    const custom = format.columns.filter((c) => c.to !== 'ignored').length - known.length;
    out.push(`  ${format.headerLine ? `header on line ${format.headerLine}` : 'no header row'}: ${known.map((c) => `${c.header} -> ${c.to}`).join(', ')}${custom > 0 ? `; ${custom} more column(s) kept as custom fields` : ''}`);
  }
  for (const [label, n] of rows) out.push(`  ${label.padEnd(width)}  ${String(n).padStart(10)}`);
  for (const [key, list] of Object.entries(view.samples)) {
    if (key === 'eligible') continue;
    out.push(`  ${key}: ${list.slice(0, 3).map((s) => `line ${s.line}${s.email ? ` ${s.email}` : ''}${s.reason ? ` (${s.reason})` : ''}`).join('; ')}`);
  }
  if (view.counts.invalid + view.counts.duplicate + view.counts.suppressed > 0) {
    out.push(`  rejected rows as CSV: listwarden import rejected ${view.id}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return view.status === 'failed' ? 2 : 0;
}

/** Progress as plain lines on standard error (once a second), for logs and pipes. */
function progressLines() {
  let last = 0;
  return {
    update: (p: ImportProgress) => {
      const t = Date.now();
      if (t - last < 1000) return;
      last = t;
      const rate = p.rows / Math.max((t - p.startedAt) / 1000, 0.001);
      process.stderr.write(`progress: import ${p.importId} ${p.rows} rows ${Math.round(rate)} rows/s ${p.fileSize > 0 ? Math.round((p.bytesDone / p.fileSize) * 100) : 0}%\n`);
    },
    done: () => undefined,
  };
}

/** One line on standard error, redrawn at most ten times a second: percent, rows, rows/s, ETA. */
function progressBar() {
  let last = 0;
  const draw = (p: ImportProgress) => {
    const fraction = p.fileSize > 0 ? Math.min(p.bytesDone / p.fileSize, 1) : 0;
    const seconds = Math.max((Date.now() - p.startedAt) / 1000, 0.001);
    const rate = p.rows / seconds;
    const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : NaN;
    const filled = Math.round(fraction * 30);
    const etaText = Number.isFinite(eta) ? `${Math.floor(eta / 60)}:${String(Math.round(eta % 60)).padStart(2, '0')}` : '--:--';
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${p.rows.toLocaleString('en')} rows  ${Math.round(rate).toLocaleString('en')} rows/s  ETA ${etaText} `);
  };
  return {
    update: (p: ImportProgress) => {
      const t = Date.now();
      if (t - last < 100) return;
      last = t;
      draw(p);
    },
    done: () => process.stderr.write('\n'),
  };
}

// The declaration's fields as the options that fill them.
const OPTION_OF: Record<string, string> = {
  list: '--list', source: '--source', collectedAt: '--collected-at', consent: '--consent', evidence: '--evidence', collectedBy: '--collected-by',
  collectedFrom: '--collected-from', defaultCountry: '--country', defaultKind: '--kind', description: '--description',
};

/** "--collected-at is required", "--source bought: not one of web_form, checkout, …" rather than the schema's paths. */
export function optionIssue(issue: { path: string; message: string }, values: Record<string, unknown>): string {
  const field = issue.path.replace(/^declaration\./, '').split('.')[0];
  const option = OPTION_OF[field];
  if (!option) return `${issue.path}: ${issue.message}`;
  const given = values[option.slice(2)];
  if (given === undefined) return `${option} is required`;
  const choices = /^Invalid option: expected one of (.*)$/.exec(issue.message);
  const message = choices ? `not one of ${choices[1].split('|').map((c) => c.replace(/^"|"$/g, '')).join(', ')}` : issue.message;
  return `${option} ${Array.isArray(given) ? given.join(' ') : String(given)}: ${message}`;
}
