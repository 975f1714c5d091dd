/**
 * Opens embedded PGlite with the settings that keep its memory small, and creates a new data directory in a
 * short-lived child process. Figures (node 20, PGlite 0.5.16, RSS above a bare node process): an open database
 * holds ~235 MB with PGlite's defaults, ~130 MB with these settings; creating one (initdb) peaks at ~700-770 MB,
 * because PGlite runs it in a second Postgres instance plus a full copy of that instance's 128 MB WASM heap,
 * and keeps most of it after. `listwarden import` of 200k rows (compiled, load ~7): peak 581 MB before, 434 MB
 * now on a created directory; on a fresh one 852 MB before, now 434 MB plus the 770 MB child that ran first.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { openInMemoryPglite, templateFile } from './pglite-template.js';

/**
 * Postgres settings PGlite starts with (after PGlite's own start parameters). WASM Postgres has the whole of
 * shared_buffers resident from the start, so PGlite's 128 MB default costs 128 MB at all times; 32 MB keeps
 * the pages of a working set of the size the product serves and leaves the rest to the OS page cache.
 *
 * Durability is PGlite's own and unchanged: each write is a pwrite into the OS page cache, so a killed process
 * loses no commit; PGlite starts Postgres with fsync off and its Node file system has no fsync anyway, so an
 * OS crash can (`relaxedDurability` is a no-op there). Measured on a 50k-row import and not kept:
 * synchronous_commit=off (no gain, and a kill loses the last commits), full_page_writes=off (~8% less CPU,
 * torn pages on an OS crash), wal_level=minimal (no gain).
 */
export const pgliteSettings: Readonly<Record<string, string>> = Object.freeze({
  shared_buffers: '32MB',
});

function startParams(defaults: readonly string[]): string[] {
  return [...defaults, ...Object.entries(pgliteSettings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
}

/**
 * PGlite in memory (no `dir`), from `dump` when given, or in the data directory `dir`, created first when it
 * holds no database.
 */
export async function openPglite(dir?: string, options: { dump?: Blob } = {}): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dir === undefined && options.dump) return PGlite.create({ startParams: startParams(PGlite.defaultStartParams), loadDataDir: options.dump });
  if (dir === undefined) return openInMemoryPglite(PGlite, startParams(PGlite.defaultStartParams));
  if (!existsSync(join(dir, 'PG_VERSION'))) await initPgliteDataDir(dir);
  return PGlite.create(dir, { startParams: startParams(PGlite.defaultStartParams) });
}

// The child imports PGlite by the URL the parent resolved, so it needs neither the parent's loader (tsx) nor
// its working directory. It starts from the in-memory databases' template when there is one (an empty database
// made by the same PGlite build with the same settings: 1.6 s here against 4.9 s for initdb, with other work on
// the machine), else runs initdb; a template it cannot load leaves nothing behind and initdb runs instead.
// It prints its own peak RSS and which way it went.
const initScript = `
const [url, dir, params, template] = process.argv.slice(1);
const { readFileSync, rmSync } = await import('node:fs');
const { PGlite } = await import(url);
const startParams = JSON.parse(params);
let pg;
if (template) {
  try {
    pg = await PGlite.create(dir, { startParams, loadDataDir: new Blob([readFileSync(template)]) });
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}
const fromTemplate = pg !== undefined;
pg ??= await PGlite.create(dir, { startParams });
await pg.close();
process.stdout.write(JSON.stringify({ peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), fromTemplate }));
`;

/**
 * Creates a PGlite database in `dir` (absent or empty) from a child process, so that initdb's peak is never
 * part of this process's resident memory. It is built in a sibling directory and renamed into place, so a
 * kill during creation leaves no half-made database; when two create it at once, the first to finish wins.
 * Refuses a non-empty directory without a database.
 */
export async function initPgliteDataDir(dir: string): Promise<{ peakRssMb: number; fromTemplate: boolean }> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${dir} is not empty but holds no PGlite database (no PG_VERSION); move its files away or point dataDir elsewhere`);
  }
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  removeDeadBuilds(parent, basename(dir));
  const building = join(parent, `${basename(dir)}.init-${process.pid}-${randomBytes(4).toString('hex')}`);
  const { PGlite } = await import('@electric-sql/pglite');
  const url = import.meta.resolve('@electric-sql/pglite');
  try {
    const params = startParams(PGlite.defaultStartParams);
    const template = templateFile(params);
    const output = await runNode(['--input-type=module', '-e', initScript, url, building, JSON.stringify(params), template && existsSync(template) ? template : '']);
    try {
      if (existsSync(dir)) rmdirSync(dir);
      renameSync(building, dir);
    } catch (err) {
      // Another process created it meanwhile (two commands started at once): use theirs.
      if (!existsSync(join(dir, 'PG_VERSION'))) throw err;
      rmSync(building, { recursive: true, force: true });
    }
    return JSON.parse(output) as { peakRssMb: number; fromTemplate: boolean };
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    throw err;
  }
}

/** Leftover `NAME.init-PID-RANDOM` directories of processes that died while creating a database. */
function removeDeadBuilds(parent: string, name: string): void {
  for (const entry of readdirSync(parent)) {
    const pid = Number(entry.startsWith(`${name}.init-`) ? entry.slice(name.length + 6).split('-')[0] : NaN);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(parent, entry), { recursive: true, force: true });
    }
  }
}

function runNode(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`creating the PGlite database failed (${signal ?? `exit ${code}`}): ${stderr.trim().slice(-2000)}`));
    });
  });
}
