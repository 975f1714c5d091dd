// `npm run bench -- import [--rows N] [--pglite-rows N] [--pg URL]`: generates a CSV of N rows (default 1,000,000,
// about 100 bytes a row), then imports it with every check into PostgreSQL (a fresh database) and into PGlite
// (a data directory, as the product runs it), each phase in its own process so that its peak RSS is its own. Baseline, same run, same file:
// psql's `\copy` into a bare table with a unique index on the address. Summary: value = PostgreSQL rows/s.
// Phases run compiled JavaScript, as the product does (dist/): tsx's loader thread and sources would add ~50 MB of
// RSS and ~9 MB of live heap. The sources and this file are compiled by tsc into node_modules/.cache (incremental,
// ~1 s when nothing changed) at the start of each run, so a phase never runs code older than src/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createDatabase, pgTypes, type Db } from '../src/db/database.js';
import { migrateOrThrow } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';
import { createImport } from '../src/imports/create-import.js';
import { runImport } from '../src/imports/run-import.js';
import { createWorkspace } from '../src/workspaces/create-workspace.js';
import { backendCpu } from './_http-bench.js';
import { generateImportCsv } from './_import-csv.js';

const { values } = parseArgs({ options: {
  rows: { type: 'string', default: '1000000' }, 'pglite-rows': { type: 'string' }, pg: { type: 'string' },
  phase: { type: 'string' }, file: { type: 'string' }, 'batch-size': { type: 'string' },
} });
const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function importInto(db: Db, file: string, batchSize: number | undefined, dataDir: string | null) {
  const system = { type: 'system' as const, id: null };
  const ws = await createWorkspace({ db, name: `Bench ${Date.now()}`, actor: system, now: new Date() });
  const created = await createImport({
    db, workspaceId: ws.id, filePath: file, fileName: 'bench.csv', actor: system, now: new Date(),
    declaration: { list: 'Bench', source: 'web_form', collectedAt: '2026-01-15', consent: 'double_opt_in', evidence: ['form:bench@1', 'doi-log:bench'] },
  });
  if (!created.ok) throw created.error;
  // CPU seconds of this process and of its PostgreSQL backends (read from /proc when the server is on this
  // machine): unlike rows/s they hardly depend on what else the machine is doing.
  const cpuBefore = process.cpuUsage();
  const backendBefore = dataDir ? 0 : await backendCpu(db, APP_NAME);
  const started = performance.now();
  const result = await runImport({ db, importId: created.value.id, runner: `bench:${process.pid}`, now: () => new Date(), batchSize });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const nodeCpuSeconds = Number(((cpu.user + cpu.system) / 1e6).toFixed(2));
  const backendCpuSeconds = dataDir ? null : Number((((await backendCpu(db, APP_NAME)) - backendBefore) / 1000).toFixed(2));
  const row = await db.selectFrom('imports').select('counts').where('id', '=', created.value.id).executeTakeFirstOrThrow();
  const counts = row.counts as { rows: number };
  return { status: result.status, seconds, rows: counts.rows, rowsPerSecond: Math.round(counts.rows / seconds), nodeCpuSeconds, backendCpuSeconds, counts };
}

const APP_NAME = 'lw-bench-import';

/** One phase in this process: import the file into one engine and print one JSON line with the peak RSS. */
async function phase(name: string, file: string): Promise<void> {
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : undefined; // the product's default
  const dataDir = name === 'pglite' ? mkdtempSync(join(tmpdir(), 'lw-bench-pglite-')) : null;
  const db = dataDir ? await createDatabase({ dataDir }) : new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: values.pg!, max: 4, types: pgTypes, application_name: APP_NAME }) }) });
  await migrateOrThrow(db);
  // PGlite's own footprint (its WASM heap) before a row is read: most of that phase's peak RSS.
  const rssBeforeImportMb = Math.round(process.resourceUsage().maxRSS / 1024);
  // Where the resident memory goes at its peak: V8's heap, buffers outside it, or the rest (PGlite's WASM heap).
  const peak = { rssMb: 0, heapMb: 0, externalMb: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss / 2 ** 20 > peak.rssMb) Object.assign(peak, { rssMb: Math.round(m.rss / 2 ** 20), heapMb: Math.round(m.heapTotal / 2 ** 20), externalMb: Math.round(m.external / 2 ** 20) });
  }, 100);
  const r = await importInto(db, file, batchSize, dataDir);
  clearInterval(sampler);
  await db.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  emit({ phase: name, ...r, rssBeforeImportMb, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), atPeak: peak });
}

const COMPILED = 'node_modules/.cache/lw-bench-import';

/** Compiles src/ and this bench with the project's compiler options (as `npm run build` does) for the phases. */
function compile(): string {
  mkdirSync(join(COMPILED, 'src'), { recursive: true });
  writeFileSync(join(COMPILED, 'tsconfig.json'), JSON.stringify({
    extends: '../../../tsconfig.json',
    compilerOptions: { rootDir: '../../..', outDir: '.', sourceMap: false, incremental: true, tsBuildInfoFile: './.tsbuildinfo', typeRoots: ['../../@types'] },
    include: ['../../../src', '../../../bench/import.ts'], exclude: ['../../../src/**/*.test.ts'],
  }));
  // tsc never deletes what a removed or renamed source emitted (a stale migration would run): prune it first
  for (const entry of readdirSync(join(COMPILED, 'src'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.js'))) {
    const out = join(entry.parentPath ?? entry.path, entry.name);
    if (!existsSync(join('src', out.slice(join(COMPILED, 'src').length).replace(/\.js$/, '.ts')))) rmSync(out);
  }
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(COMPILED, 'tsconfig.json')], { encoding: 'utf8' });
  // 2: type errors (someone's work in progress) but the JavaScript was emitted, as `npm run build` would.
  if (tsc.status === 2) process.stderr.write(`tsc reported type errors; benching the emitted JavaScript:\n${tsc.stdout}`);
  else if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  return join(COMPILED, 'bench/import.js');
}

function runPhase(script: string, name: string, file: string, pgUrl?: string): Record<string, any> {
  const args = [script, '--phase', name, '--file', file, ...(values['batch-size'] ? ['--batch-size', values['batch-size']] : []), ...(pgUrl ? ['--pg', pgUrl] : [])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !line.startsWith('{')) throw new Error(`phase ${name} failed (exit ${child.status}): ${child.stdout}`);
  const result = JSON.parse(line);
  emit(result);
  return result;
}

/** psql's \copy of the same file into a bare table with a unique index on the address. */
function baseline(url: string, file: string, rows: number): number {
  const psql = (command: string) => spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { encoding: 'utf8' });
  const setup = psql('drop table if exists bench_copy; create table bench_copy (email text, first_name text, last_name text, country text, phone text, company text); create unique index on bench_copy (email);');
  if (setup.status !== 0) throw new Error(`psql: ${setup.stderr}`);
  const started = performance.now();
  const copy = psql(`\\copy bench_copy from '${file}' with (format csv, header true)`);
  const seconds = (performance.now() - started) / 1000;
  if (copy.status !== 0) throw new Error(`psql \\copy: ${copy.stderr}`);
  const speed = Math.round(rows / seconds);
  emit({ phase: 'psql-copy', seconds, rows, rowsPerSecond: speed });
  return speed;
}

async function main(): Promise<void> {
  if (values.phase) return phase(values.phase, values.file!);
  const rows = Number(values.rows);
  const pgliteRows = Number(values['pglite-rows'] ?? rows);
  const pgUrl = values.pg ?? loadConfig({}).databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const script = compile();
  const dir = mkdtempSync(join(tmpdir(), 'lw-bench-import-'));
  try {
    const file = join(dir, 'bench.csv');
    await generateImportCsv(file, rows);
    emit({ phase: 'generate', rows, bytes: statSync(file).size, bytesPerRow: Math.round(statSync(file).size / rows) });

    // A fresh database for the PostgreSQL phases, dropped afterwards.
    const dbName = `lw_bench_import_${process.pid}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    const url = new URL(pgUrl);
    url.pathname = `/${dbName}`;
    let copySpeed = 0;
    let pgResult: Record<string, any> = {};
    try {
      copySpeed = baseline(url.toString(), file, rows);
      pgResult = runPhase(script, 'postgres', file, url.toString());
    } finally {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
    let pgliteFile = file;
    if (pgliteRows !== rows && pgliteRows > 0) {
      pgliteFile = join(dir, 'bench-pglite.csv');
      await generateImportCsv(pgliteFile, pgliteRows);
    }
    // --pglite-rows 0 leaves the PGlite phase out (it is slow: see the report).
    const pgliteResult = pgliteRows > 0 ? runPhase(script, 'pglite', pgliteFile) : { rowsPerSecond: null, peakRssMb: null, rssBeforeImportMb: null };
    emit({
      bench: 'import', value: pgResult.rowsPerSecond, unit: 'rows/s', baseline: copySpeed,
      ratio: Number((pgResult.rowsPerSecond / copySpeed).toFixed(3)), rows,
      pgliteRowsPerSecond: pgliteResult.rowsPerSecond, pgliteRows,
      peakRssMb: { postgres: pgResult.peakRssMb, pglite: pgliteResult.peakRssMb, pgliteBeforeImport: pgliteResult.rssBeforeImportMb },
      targets: { postgresRowsPerSecond: 150000, ratio: 0.6, pgliteRowsPerSecond: 60000, peakRssMb: 512 },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
