/**
 * Runs (or resumes) one import: reads the file batch by batch, checks each row, and writes each batch in one
 * transaction together with the checkpoint, counts and rejected rows, so that a kill at any moment leaves every
 * batch either wholly written or not at all. Resuming parses the lines before the checkpoint again but skips
 * them; a repeat of one of them is found in the database, where its batch already is.
 */
import type { Kysely } from 'kysely';
import { loadEngineData, type EngineData } from '../contacts/contacts.repository.js';
import { databaseKind } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { normalizeEmail } from '../engine/address.js';
import { tombstoneHmac } from '../suppressions/tombstone-hmac.js';
import { AppError } from '../errors.js';
import { workspaceSecret } from '../workspaces/workspaces.repository.js';
import { checkRow, isDisposableDomain, withLinkedAddress, type RowCandidate, type RowCheckContext, type RowLeaver } from './check-row.js';
import { classifyBatch, type KnownContact } from './classify-batch.js';
import { declarationSchema, type Declaration } from './declaration.js';
import { fileSha256 } from './file-digest.js';
import { describeMapping, mapHeaders, type ColumnReport, type HeaderMapping } from './header-map.js';
import * as repo from './imports.repository.js';
import type { ImportCounts, ImportSamples } from './imports.table.js';
import { openImportFile, readAhead, shorten, type SourceRecord, type RowProblem } from './read-rows.js';
import { addOutcomes, emptyCounts, type RowOutcome } from './report.js';
import { existingContactVerdict, newContactVerdicts } from './verdicts.js';
import { loadWorkspacePolicy } from '../workspaces/load-workspace-policy.js';
import type { WorkspacePolicy } from '../engine/types.js';
import { writeBatch } from './write-batch.js';

export type ImportProgress = { importId: number; rows: number; bytesDone: number; fileSize: number; startedAt: number; counts: ImportCounts };

export type RunImportOptions = {
  db: Kysely<Database>;
  importId: number;
  /** Who runs it (host:pid:random); the claim is taken in this name. */
  runner: string;
  now: () => Date;
  batchSize?: number;
  /** Take the import over from this runner (known dead) even though its claim has not expired. */
  takeOverFrom?: string;
  onProgress?: (p: ImportProgress) => void;
};

export const LEASE_MS = 60_000;

/** Runs an import to its end; returns its final state ('done' or 'failed' with the reason). */
export async function runImport(options: RunImportOptions): Promise<{ status: 'done' | 'failed'; error: string | null }> {
  const { db, importId, runner, now } = options;
  const claimed = await repo.claimImport(db, { id: importId, runner, now: now(), leaseMs: LEASE_MS, takeOverFrom: options.takeOverFrom });
  if (!claimed) {
    const row = await repo.findImport(db, null, importId);
    if (!row) throw new AppError('not_found', `import ${importId} does not exist`);
    if (row.status === 'done') return { status: 'done', error: null };
    throw new AppError('conflict', `import ${importId} is being run by ${row.locked_by} (claim until ${row.locked_until?.toISOString()})`);
  }
  try {
    const error = await processFile(options);
    await repo.finishImport(db, { id: importId, runner, status: error ? 'failed' : 'done', error, now: now() });
    return { status: error ? 'failed' : 'done', error };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await repo.finishImport(db, { id: importId, runner, status: 'failed', error: message, now: now() }).catch(() => undefined);
    throw err;
  }
}

/** Returns null when the file was read to its end, or the reason the whole file could not be imported. */
async function processFile(options: RunImportOptions): Promise<string | null> {
  const { db, importId, runner, now } = options;
  const row = (await repo.findImport(db, null, importId))!;
  const declaration: Declaration = declarationSchema.parse(row.declaration);
  // Resuming skips lines by number: that is only right for the very file the import started with.
  if (row.checkpoint_line > 0) {
    const digest = await fileSha256(row.file_path).catch(() => null);
    if (digest !== row.file_sha256) return `the file ${row.file_name} is missing or changed since the import started; resume needs the same file`;
  }
  // PGlite writes one batch at a time in this process: smaller batches keep less of the file alive at once, so
  // fewer of its objects reach V8's old space. Bench (under tsx), 200k rows, peak RSS: 512-575 MB at 5,000 rows,
  // 402-518 (mean ~440, 7 runs) at 2,000; 1,000 was no better in 6 runs and cost ~8% more CPU.
  const batchSize = options.batchSize ?? (databaseKind(db) === 'pglite' ? 2000 : 5000);
  const opened = await openImportFile({ path: row.file_path, batchSize });
  if (!opened.ok) return opened.reason;
  await repo.setImportFormat(db, importId, opened.file.format);

  const checkpoint = row.checkpoint_line;
  let counts: ImportCounts = { ...emptyCounts(), ...(row.counts as Partial<ImportCounts>) };
  let samples: ImportSamples = row.samples ?? {};
  const startedAt = (row.started_at ?? now()).getTime();
  const secret = (await repo.workspaceHasTombstones(db, row.workspace_id)) ? await workspaceSecret(db, row.workspace_id) : null;
  // The workspace's settings (RULES.md C-1) as they are when this run starts; a resume reads them again.
  const workspacePolicy = await loadWorkspacePolicy({ db, workspaceId: row.workspace_id });
  const verdictNew = newContactVerdicts(declaration, now().getTime(), workspacePolicy);
  let ctx: RowCheckContext | null = null;

  // On PostgreSQL batch N+1 is written on a second connection while batch N commits; it commits only after N
  // (so the checkpoint only moves forward) and rolls back if N failed. It is planned once N-1 is committed, and
  // repeats of batch N are caught in memory (`seenBefore`). PGlite has one connection: one batch at a time.
  const overlap = databaseKind(db) === 'postgres';
  let previous: Promise<void> = Promise.resolve();
  let beforePrevious: Promise<void> = Promise.resolve();
  const flush = async (outcomes: RowOutcome[], candidates: RowCandidate[], leavers: RowLeaver[], raws: Map<number, string>, lastLine: number, records: readonly SourceRecord[]) => {
    await beforePrevious;
    const plan = await planBatch({ db, importId, workspaceId: row.workspace_id, listId: row.list_id, fingerprint: row.fingerprint, declaration, candidates, leavers, secret, verdictNew, workspacePolicy, at: now().getTime() });
    // Duplicates and suppressed rows go to the rejected-rows report with their text too.
    for (const out of plan.outcomes) {
      if (out.outcome !== 'duplicate' && out.outcome !== 'suppressed') continue;
      const record = recordAt(records, out.line);
      if (record) raws.set(out.line, recordText(record));
    }
    const all = [...outcomes, ...plan.outcomes].sort((a, b) => a.line - b.line);
    const next = addOutcomes(counts, samples, all);
    const bytesDone = opened.file.bytesRead();
    const after = previous;
    const written = writeBatch({
      db, importId, runner, workspaceId: row.workspace_id, listId: row.list_id, declaration, fingerprint: row.fingerprint,
      plan, outcomes: all, raws, checkpointLine: Math.max(lastLine, ...all.map((o) => o.line)), bytesDone,
      counts: next.counts, samples: next.samples, now: now(), leaseMs: LEASE_MS, commitAfter: after,
    }).then(() => options.onProgress?.({ importId, rows: next.counts.rows, bytesDone, fileSize: row.file_size, startedAt, counts: next.counts }));
    written.catch(() => undefined); // awaited below or by the next batch; never an unhandled rejection
    counts = next.counts;
    samples = next.samples;
    beforePrevious = previous;
    previous = written;
    if (!overlap) await written;
  };

  let carried: RowProblem[] = [];
  let headerFormat: { headerLine: number | null; columns: ColumnReport[] } | null = null;
  for await (const batch of readAhead(opened.file.batches)) {
    const outcomes: RowOutcome[] = [];
    const candidates: RowCandidate[] = [];
    const leavers: RowLeaver[] = [];
    const raws = new Map<number, string>();
    let lastLine = 0;
    // Repeats of this batch and the one before are found in memory; older ones in the database.
    if (ctx) {
      ctx.seenBefore = ctx.seen;
      ctx.seen = new Map();
    }
    let records = batch.records;
    if (!ctx) {
      if (records.length === 0) {
        carried.push(...batch.problems);
        continue;
      }
      const header = findHeader(records, declaration);
      if (!header) return noEmailColumn(records[0]);
      ctx = header.ctx;
      headerFormat = { headerLine: header.headerLine, columns: header.columns };
      await repo.setImportFormat(db, importId, { ...opened.file.format, ...headerFormat });
      lastLine = records[header.firstData - 1]?.line ?? 0;
      records = records.slice(header.firstData);
    }
    for (const record of records) {
      lastLine = record.line;
      if (record.line <= checkpoint) continue; // its batch is committed
      const result = checkRow(ctx, record.line, record.mailto ? withLinkedAddress(record.cells, ctx.mapping.emailColumn, record.mailto) : record.cells);
      if (result.outcome === 'candidate') candidates.push(result);
      else {
        // A leaver's outcome is decided with the workspace's data (a person who came back is not suppressed).
        if ('left' in result) leavers.push(result);
        else outcomes.push(result);
        if (result.outcome === 'invalid' || result.outcome === 'duplicate' || result.outcome === 'suppressed') raws.set(record.line, recordText(record));
      }
    }
    // The line guard runs ahead of the parser: keep its problems until the batch whose records reach their line.
    const problems = [...carried, ...batch.problems];
    carried = [];
    for (const p of problems) {
      if (p.line > lastLine) carried.push(p);
      else if (p.line > checkpoint) {
        outcomes.push({ outcome: 'invalid', line: p.line, email: null, reason: p.reason });
        if (p.raw) raws.set(p.line, p.raw);
      }
    }
    if (candidates.length > 0 || outcomes.length > 0 || leavers.length > 0) await flush(outcomes, candidates, leavers, raws, lastLine, batch.records);
  }
  const rest = carried.filter((p) => p.line > checkpoint);
  if (rest.length > 0) {
    const raws = new Map(rest.filter((p) => p.raw).map((p) => [p.line, p.raw!]));
    await flush(rest.map((p) => ({ outcome: 'invalid', line: p.line, email: null, reason: p.reason })), [], [], raws, 0, []);
  }
  await beforePrevious;
  await previous;
  if (!ctx) return 'the file holds no rows';
  // The encoding the whole file turned out to be in (a late Windows-1252 byte changes the guess).
  await repo.setImportFormat(db, importId, { ...opened.file.format, ...headerFormat });
  return null;
}

/** How far down the file the header row may be: a title, a date or a blank row often stand above it. */
const HEADER_SEARCH_ROWS = 10;

/**
 * Finds the header among the first rows: the first row with a column named like an address (the rows above it
 * are a title and are skipped; the report's `headerLine` says where the header was). Else the first row holding
 * an address is the first data row, with that column as the address: the row above it is the header if it names
 * columns, otherwise there is none and the other columns are custom fields "column N".
 */
function findHeader(records: readonly SourceRecord[], d: Declaration): { ctx: RowCheckContext; headerLine: number | null; firstData: number; columns: ColumnReport[] } | null {
  const rows = records.slice(0, HEADER_SEARCH_ROWS);
  const context = (mapping: HeaderMapping, width: number): RowCheckContext => (
    { mapping, headerWidth: width, defaultCountry: d.defaultCountry ?? null, defaultKind: d.defaultKind, seen: new Map(), isDisposable: isDisposableDomain });
  for (let i = 0; i < rows.length; i++) {
    const mapping = mapHeaders(rows[i].cells);
    if (mapping.emailColumn !== -1) {
      return { ctx: context(mapping, rows[i].cells.length), headerLine: rows[i].line, firstData: i + 1, columns: describeMapping(rows[i].cells, mapping) };
    }
    const at = rows[i].cells.findIndex((c) => normalizeEmail(c).ok);
    if (at === -1) continue;
    // The row above the first address, if it names two columns or more, is a header whose address column has a
    // name we do not know ("Kontakt"): its other names still count.
    const above = i > 0 ? rows[i - 1].cells : null;
    if (above && above.filter((c) => c.trim() !== '').length >= 2) {
      const names = above.map((name, j) => (j === at ? 'email' : name));
      const mapping = mapHeaders(names);
      return { ctx: context(mapping, above.length), headerLine: rows[i - 1].line, firstData: i, columns: describeMapping(above, mapping) };
    }
    const names = rows[i].cells.map((_, j) => (j === at ? 'email' : `column ${j + 1}`));
    const positional = mapHeaders(names);
    return { ctx: context(positional, rows[i].cells.length), headerLine: null, firstData: i, columns: describeMapping(names.map((_, j) => `column ${j + 1}`), positional) };
  }
  return null;
}

function noEmailColumn(first: SourceRecord): string {
  return `no email column found: name the column that holds the addresses "Email" (or "E-mail", "Email Address", "Courriel", `
    + `"E-Mail-Adresse"...); the first row reads: ${first.cells.slice(0, 12).join(', ')}`;
}

async function planBatch(o: {
  db: Kysely<Database>; importId: number; workspaceId: string; listId: string; fingerprint: string; declaration: Declaration;
  candidates: RowCandidate[]; leavers: RowLeaver[]; secret: string | null; verdictNew: (row: RowCandidate) => ReturnType<typeof existingContactVerdict>;
  workspacePolicy: WorkspacePolicy; at: number;
}) {
  const emails = o.candidates.map((c) => c.email);
  const existing = new Map<string, KnownContact>((await repo.findExistingContacts(o.db, { workspaceId: o.workspaceId, listId: o.listId, fingerprint: o.fingerprint, emails })).map((c) => [c.email.toLowerCase(), c]));
  const tombstoned = new Map<string, readonly string[]>();
  if (o.secret) {
    const byHmac = new Map<string, string>();
    for (const e of emails) {
      byHmac.set(tombstoneHmac(o.secret, e), e);
    }
    for (const l of o.leavers) byHmac.set(tombstoneHmac(o.secret, l.email), l.email);
    for (const [h, reasons] of await repo.findTombstones(o.db, o.workspaceId, [...byHmac.keys()])) tombstoned.set(byHmac.get(h)!, reasons);
  }
  // Existing contacts are few in a typical import: their whole history is loaded one by one.
  const histories = new Map<string, EngineData>();
  for (const c of existing.values()) {
    if (c.suppressed || c.hardBounced || (c.evidence && c.member)) continue;
    const data = await loadEngineData(o.db, o.workspaceId, c.id);
    if (data) histories.set(c.id, data);
  }
  // The people the file says unsubscribed on a date: has any of them confirmed again here since?
  const dated = o.leavers.filter((l) => l.left === 'unsubscribe' && l.leftAt !== null).map((l) => l.email);
  const confirmations = await repo.findPersonConfirmations(o.db, o.workspaceId, dated);
  return classifyBatch({
    candidates: o.candidates, leavers: o.leavers, confirmations, now: o.at, existing, tombstoned, verdictNew: o.verdictNew, importId: o.importId,
    verdictExisting: (row, contact) => {
      const data = histories.get(contact.id);
      return data ? existingContactVerdict(o.declaration, data, o.at, o.workspacePolicy) : o.verdictNew(row);
    },
  });
}

/** A rejected record's text for the report: as it stands in the file, or its cells joined (XLSX has no text). */
function recordText(record: SourceRecord): string {
  return shorten(record.raw ?? record.cells.join(','));
}

/** The record on a line; a batch's records are in line order. */
function recordAt(records: readonly SourceRecord[], line: number): SourceRecord | undefined {
  let lo = 0;
  let hi = records.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = records[mid].line;
    if (at === line) return records[mid];
    if (at < line) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
