/** An import as the API and the CLI show it: status, progress, declaration, counts and sample rows. */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findImport, listRejections } from './imports.repository.js';
import type { ImportCounts, ImportsTable } from './imports.table.js';
import { emptyCounts, rejectedCsv } from './report.js';

export type ImportView = ReturnType<typeof importToJson>;

export function importToJson(row: Selectable<ImportsTable>, now: Date) {
  const counts: ImportCounts = { ...emptyCounts(), ...(row.counts as Partial<ImportCounts>) };
  const started = row.started_at?.getTime() ?? null;
  const end = row.finished_at?.getTime() ?? now.getTime();
  const seconds = started ? Math.max((end - started) / 1000, 0.001) : null;
  const fraction = row.status === 'done' ? 1 : row.file_size > 0 ? Math.min(Number(row.bytes_done) / Number(row.file_size), 1) : 0;
  const rowsPerSecond = seconds ? Math.round(counts.rows / seconds) : null;
  return {
    id: Number(row.id),
    status: row.status,
    file: { name: row.file_name, size: Number(row.file_size), sha256: row.file_sha256, format: row.format },
    listId: row.list_id,
    declaration: row.declaration,
    progress: {
      fraction,
      rows: counts.rows,
      checkpointLine: row.checkpoint_line,
      rowsPerSecond,
      etaSeconds: rowsPerSecond && fraction > 0 && fraction < 1 && seconds ? Math.round((seconds / fraction) * (1 - fraction)) : null,
    },
    counts,
    samples: row.samples,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

/** One import of the workspace; another workspace's import reads as not found. */
export async function getImport(options: { db: Kysely<Database>; workspaceId: string; id: number; now: Date }): Promise<ImportView> {
  const row = await findImport(options.db, options.workspaceId, options.id);
  if (!row) throw new AppError('not_found', `import ${options.id} not found`);
  return importToJson(row, options.now);
}

/** The rejected rows as CSV (line, outcome, reason, email, raw), written page by page to `write`. */
export async function exportRejectedRows(options: { db: Kysely<Database>; workspaceId: string; id: number; write: (chunk: string) => void | Promise<void> }): Promise<void> {
  const row = await findImport(options.db, options.workspaceId, options.id);
  if (!row) throw new AppError('not_found', `import ${options.id} not found`);
  let after = 0;
  let header = true;
  for (;;) {
    const page = await listRejections(options.db, Number(row.id), { afterLine: after, limit: 5000 });
    if (page.length === 0 && !header) break;
    await options.write(rejectedCsv(page, { header }));
    header = false;
    if (page.length === 0) break;
    after = page[page.length - 1].line;
  }
}
