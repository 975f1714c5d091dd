// `npm run bench -- pglite-memory [--rows N]`: resident memory of embedded PGlite as the product opens it
// (createDatabase on a fresh data directory, migrations, then an import of N rows, default 200,000), each
// phase in its own process. Baseline, same run: the peak RSS of a bare `PGlite.create(dir)` on a fresh data
// directory, PGlite's defaults, as the product opened it before. Summary: value = peak RSS (MB) of the import
// process; the database creation that now runs in a child process is reported beside it (`initdbPeakRssMb`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createDatabase, pgliteOf } from '../src/db/database.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import { initPgliteDataDir } from '../src/db/open-pglite.js';
import { createImport } from '../src/imports/create-import.js';
import { runImport } from '../src/imports/run-import.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { generateImportCsv } from './_import-csv.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, phase: { type: 'string' }, file: { type: 'string' } } });
const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const mb = (bytes: number) => Math.round(bytes / 1048576);

/** RSS now and the process's peak so far, from /proc, with the JS heap and the WASM memory apart. */
function memory(pglite?: { Module?: { HEAPU8?: Uint8Array } }) {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0);
  const usage = process.memoryUsage();
  return {
    rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024),
    jsHeapMb: mb(usage.heapUsed), externalMb: mb(usage.external), wasmMemoryMb: pglite?.Module?.HEAPU8 ? mb(pglite.Module.HEAPU8.length) : null,
  };
}

/** PGlite's defaults on a fresh directory, nothing else: what createDatabase cost before its settings. */
async function bare(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-bench-pglite-bare-'));
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create(join(dir, 'pglite'));
  const shown = await pg.query<{ shared_buffers: string }>('show shared_buffers');
  emit({ phase: 'bare', sharedBuffers: shown.rows[0]?.shared_buffers, ...memory(pg as any) });
  await pg.close();
  rmSync(dir, { recursive: true, force: true });
}

/** The product's way: the database created (child process), opened, migrated, then an import of the file. */
async function product(file: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lw-bench-pglite-'));
  const init = await initPgliteDataDir(join(dataDir, 'pglite'));
  const db = await createDatabase({ dataDir });
  const pglite = pgliteOf(db) as any;
  const opened = memory(pglite);
  await migrateOrThrow(db);
  const migrated = memory(pglite);
  const system = { type: 'system' as const, id: null };
  const ws = await createWorkspace({ db, name: 'Bench', actor: system, now: new Date() });
  const created = await createImport({
    db, workspaceId: ws.id, filePath: file, fileName: 'bench.csv', actor: system, now: new Date(),
    declaration: { list: 'Bench', source: 'web_form', collectedAt: '2026-01-15', consent: 'double_opt_in', evidence: ['form:bench@1'] },
  });
  if (!created.ok) throw created.error;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await runImport({ db, importId: created.value.id, runner: `bench:${process.pid}`, now: () => new Date() });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6;
  const row = await db.selectFrom('imports').select('counts').where('id', '=', created.value.id).executeTakeFirstOrThrow();
  const rows = (row.counts as { rows: number }).rows;
  const shown = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(db);
  const imported = memory(pglite);
  await db.destroy();
  rmSync(dataDir, { recursive: true, force: true });
  emit({
    phase: 'product', status: result.status, rows, seconds: Number(seconds.toFixed(2)), rowsPerSecond: Math.round(rows / seconds),
    cpuSeconds: Number(cpuSeconds.toFixed(2)), sharedBuffers: shown.rows[0]?.shared_buffers, initdbPeakRssMb: init.peakRssMb,
    opened, migrated, imported,
  });
}

function runPhase(phase: string, file?: string): Record<string, any> {
  const args = ['--import', 'tsx', 'bench/pglite-memory.ts', '--phase', phase, ...(file ? ['--file', file] : [])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !line.startsWith('{')) throw new Error(`phase ${phase} failed (exit ${child.status}): ${child.stdout}`);
  emit(JSON.parse(line));
  return JSON.parse(line);
}

async function main(): Promise<void> {
  if (values.phase === 'bare') return bare();
  if (values.phase === 'product') return product(values.file!);
  const rows = Number(values.rows);
  const dir = mkdtempSync(join(tmpdir(), 'lw-bench-pglite-memory-'));
  try {
    const file = join(dir, 'rows.csv');
    await generateImportCsv(file, rows);
    const baseline = runPhase('bare');
    const result = runPhase('product', file);
    const value = result.imported.peakRssMb;
    emit({
      bench: 'pglite-memory', value, unit: 'MB', baseline: baseline.peakRssMb, ratio: Number((value / baseline.peakRssMb).toFixed(3)),
      rows, rowsPerSecond: result.rowsPerSecond, initdbPeakRssMb: result.initdbPeakRssMb, bareRssMb: baseline.rssMb, openedRssMb: result.opened.rssMb,
      target: { peakRssMb: 512 },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
