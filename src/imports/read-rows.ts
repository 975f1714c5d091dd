/**
 * Reads an import file into batches of records with their line numbers, whatever its format: CSV or TSV
 * with any usual delimiter and encoding, or XLSX. A bad line becomes a problem with its line number, never an
 * exception; only a file that cannot be read at all (empty, binary) is refused.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { createDecoder, detectFileKind, type TextEncoding } from './decode.js';
import { createLineGuard } from './line-guard.js';
import { readXlsxBook, type XlsxRow } from './read-xlsx.js';
import { delimiters, sniffDelimiter, type Delimiter } from './sniff-delimiter.js';

/** `raw`: the record's text as it stands in the file (CSV/TSV; not for XLSX), for the rejected-rows report. */
export type SourceRecord = {
  line: number; cells: string[]; raw?: string;
  /** XLSX: column index → the address of a cell's mailto: hyperlink (used when the cell's text is no address). */
  mailto?: ReadonlyMap<number, string>;
};
export type RowProblem = { line: number; reason: string; raw?: string };
export type RecordBatch = { records: SourceRecord[]; problems: RowProblem[] };
export type FileFormat = { kind: 'csv'; encoding: TextEncoding; delimiter: Delimiter } | { kind: 'xlsx'; sheet?: string };

export type OpenedFile = {
  /** As read so far: a CSV's encoding may change while it is read (decode.ts). */
  format: FileFormat;
  /** Batches in file order; the header row is the first record of the first batch. */
  batches: AsyncIterable<RecordBatch>;
  /** Bytes of the file parsed so far (text bytes as decoded; close to file bytes), for progress. */
  bytesRead: () => number;
};

export type ReadOptions = {
  path: string;
  /** Records per batch. */
  batchSize: number;
  /** Longest physical line kept (characters). */
  maxLineChars?: number;
};

const SAMPLE_BYTES = 64 * 1024;
const DEFAULT_MAX_LINE = 1024 * 1024;
const RAW_SHOWN = 200;

/** Opens a file for import, or says why it cannot be read. */
export async function openImportFile(options: ReadOptions): Promise<{ ok: true; file: OpenedFile } | { ok: false; reason: string }> {
  const sample = await readSample(options.path);
  if (sample.length === 0) return { ok: false, reason: 'the file is empty' };
  const kind = detectFileKind(sample);
  if (kind.kind === 'binary') return { ok: false, reason: kind.reason };
  const progress = { bytes: 0 };
  const bytesRead = () => progress.bytes;
  if (kind.kind === 'xlsx') {
    // The whole workbook is read here (its ZIP cannot be streamed row by row anyway), so that a damaged file or
    // one that is no .xlsx is refused before anything is written.
    const opened = await readXlsxBook(options.path);
    if (!opened.ok) return opened;
    const size = (await stat(options.path)).size;
    const format: FileFormat = { kind: 'xlsx', sheet: opened.book.sheet };
    return { ok: true, file: { format, batches: readXlsx(opened.book.rows, options, progress, size), bytesRead } };
  }
  const text = new TextDecoder(kind.encoding).decode(sample.subarray(kind.bomLength));
  if (text.trim() === '') return { ok: false, reason: 'the file holds no text' };
  // Excel's "sep=;" first line names the delimiter; it is not a row of the file.
  const sep = declaredDelimiter(text);
  const format: FileFormat = { kind: 'csv', encoding: kind.encoding, delimiter: sep ?? sniffDelimiter(text) };
  // Lines that end in CR alone (Excel's "CSV (Macintosh)"): the line guard must count those, or the whole file
  // is one line to it.
  const newline = text.includes('\n') || !text.includes('\r') ? '\n' : '\r';
  return { ok: true, file: { format, batches: readCsv(options, kind.bomLength, format, sep !== null, newline, progress), bytesRead } };
}

/** The delimiter a first line such as `sep=;` declares (Excel reads and some tools write it), or null. */
export function declaredDelimiter(text: string): Delimiter | null {
  const m = /^sep=(.)(\r\n|\n|\r|$)/i.exec(text);
  return m && (delimiters as readonly string[]).includes(m[1]) ? (m[1] as Delimiter) : null;
}

async function readSample(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A record's text as shown in reports: one line at most, without its line break, at most RAW_SHOWN characters. */
export function shorten(raw: string): string {
  const oneLine = raw.replace(TRAILING_BREAK, '');
  return oneLine.length > RAW_SHOWN ? `${oneLine.slice(0, RAW_SHOWN)}…` : oneLine;
}

/**
 * Line breaks in a piece of raw text: LF, CRLF or a lone CR. csv-parse's `raw` keeps only the CR of a CRLF
 * record delimiter, so a lone CR has to count as a line break too.
 */
function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) if (text[i + 1] !== '\n') n++;
  return n;
}

function leadingNewlines(raw: string): number {
  let i = 0;
  while (i < raw.length && (raw[i] === '\n' || raw[i] === '\r')) i++;
  return countNewlines(raw.slice(0, i));
}

const TRAILING_BREAK = /(\r\n|\r|\n)$/;

/** Where the first line break (LF, or CR alone or before LF) of a text is, or -1. */
function firstLineBreak(text: string): number {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  return cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
}

const csvOptions = (delimiter: Delimiter) => ({
  delimiter,
  raw: true,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  skip_records_with_error: true,
});

/**
 * Turns parsed records into source records. A record that spans several physical lines but does not have the
 * header's width is almost always a stray opening quote that swallowed the lines after it: report its first
 * line, and parse the swallowed lines again on their own so that they are not lost.
 */
class RecordSink {
  width = -1;
  records: SourceRecord[] = [];
  problems: RowProblem[] = [];
  constructor(private readonly delimiter: Delimiter) {}

  accept(cells: string[], raw: string, firstLine: number): void {
    const start = firstLine + leadingNewlines(raw);
    const body = raw.slice(raw.length - raw.trimStart().length);
    if (this.width === -1) this.width = cells.length;
    // Line breaks inside the record: all of them but the one that ends it (no string made per record).
    const last = body.charCodeAt(body.length - 1);
    const inner = countNewlines(body) - (last === 10 || last === 13 ? 1 : 0);
    if (inner > 0 && cells.length !== this.width) {
      this.reject(body, start, 'malformed quotes: a quoted field is never closed on its line');
      return;
    }
    this.records.push({ line: start, cells, raw: body });
  }

  /** Reports the first line of a broken record and parses the lines after it again. */
  reject(raw: string, start: number, reason: string): void {
    const body = raw.slice(raw.length - raw.trimStart().length);
    const at = start + leadingNewlines(raw) - leadingNewlines(body);
    // The first line ends at LF, CRLF, or CR alone (Excel for Mac's "CSV (Macintosh)").
    const nl = firstLineBreak(body);
    this.problems.push({ line: at, reason, raw: shorten(nl === -1 ? body : body.slice(0, nl)) });
    if (nl === -1) return;
    const next = nl + (body.charCodeAt(nl) === 13 && body.charCodeAt(nl + 1) === 10 ? 2 : 1);
    if (next >= body.length) return;
    // csv-parse's `raw` keeps only the CR of a CRLF that ends a record: drop it, or the reparse (which finds the
    // file's CRLF) takes that lone CR for part of the last cell.
    let rest = body.slice(next);
    if (rest.endsWith('\r') && rest.includes('\r\n')) rest = rest.slice(0, -1);
    this.reparse(rest, at + 1);
  }

  private reparse(text: string, firstLine: number): void {
    // `info.lines` and `err.lines` are the line (within `text`) where a record or an error ended.
    const skipped: RowProblem[] = [];
    const rows = parseSync(text, {
      ...csvOptions(this.delimiter),
      info: true,
      on_skip: (err, raw) => {
        const end = (err as { lines?: number } | undefined)?.lines ?? 1;
        skipped.push({ line: firstLine + end - 1, reason: describeCsvError(err), raw: shorten(raw ?? '') });
      },
    }) as unknown as { record: string[]; raw: string; info: { lines: number } }[];
    for (const row of rows) {
      const body = row.raw.trimStart();
      const start = firstLine + row.info.lines - 1 - countNewlines(body.replace(TRAILING_BREAK, ''));
      this.accept(row.record, body, start);
    }
    this.problems.push(...skipped);
  }

  take(): RecordBatch {
    const batch = { records: this.records, problems: this.problems };
    this.records = [];
    this.problems = [];
    return batch;
  }
}

function describeCsvError(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'malformed quotes: a quoted field is never closed';
  if (code.includes('QUOTE')) return 'malformed quotes';
  return `unreadable CSV record (${code || 'parse error'})`;
}

/** Reads CSV records; `format.encoding` is updated if the decoder finds the file is Windows-1252 after all. */
async function* readCsv(options: ReadOptions, bomLength: number, format: FileFormat & { kind: 'csv' }, sepLine: boolean, newline: '\n' | '\r', progress: { bytes: number }): AsyncGenerator<RecordBatch> {
  const { encoding, delimiter } = format;
  const sink = new RecordSink(delimiter);
  let line = 1; // physical line where the next raw text starts
  const guard = createLineGuard({
    maxLineChars: options.maxLineChars ?? DEFAULT_MAX_LINE,
    onProblem: (p) => sink.problems.push(p),
    newline,
  });
  // A skipped record is pushed into the parser's own output as a marker, so that it keeps its place among the
  // records and the line count stays right.
  const parser = parse({
    ...csvOptions(delimiter),
    on_skip: (err, raw) => { parser.push({ skipped: describeCsvError(err), raw: raw ?? '' }); },
  });
  createReadStream(options.path, { highWaterMark: 64 * 1024 })
    .on('error', (e) => parser.destroy(e))
    .pipe(createDecoder(encoding, bomLength, (found) => { format.encoding = found; }, newline === '\r' ? 'macintosh' : 'windows-1252'))
    .pipe(guard)
    .pipe(parser);
  // Records arrive as 'data' events (an async iterator costs a promise per record); full batches wait in
  // `ready`, and the parser pauses while two do, so reading runs ahead of the caller by at most that much.
  const ready: RecordBatch[] = [];
  let ended = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const signal = () => { const w = wake; wake = null; w?.(); };
  let skipFirst = sepLine;
  parser.on('data', (row: { record: string[]; raw: string } | { skipped: string; raw: string }) => {
    if (skipFirst) skipFirst = false; // the "sep=" line: counted, not a record
    else if ('skipped' in row) sink.reject(row.raw, line, row.skipped);
    else sink.accept(row.record, row.raw, line);
    line += countNewlines(row.raw);
    if (sink.records.length >= options.batchSize) {
      // What the parser has consumed, not what the file stream has read ahead: an honest progress figure.
      progress.bytes = parser.info.bytes + bomLength;
      ready.push(sink.take());
      if (ready.length >= 2) parser.pause();
      signal();
    }
  });
  parser.on('end', () => { ended = true; signal(); });
  parser.on('error', (err) => { failure = err; signal(); });
  for (;;) {
    const batch = ready.shift();
    if (batch) {
      if (ready.length < 2 && parser.isPaused()) parser.resume();
      yield batch;
      continue;
    }
    if (failure) throw failure;
    if (ended) break;
    await new Promise<void>((resolve) => { wake = resolve; });
  }
  progress.bytes = parser.info.bytes + bomLength;
  const last = sink.take();
  if (last.records.length > 0 || last.problems.length > 0) yield last;
}

async function* readXlsx(rows: readonly XlsxRow[], options: ReadOptions, progress: { bytes: number }, size: number): AsyncGenerator<RecordBatch> {
  for (let i = 0; i < rows.length; i += options.batchSize) {
    const records: SourceRecord[] = rows.slice(i, i + options.batchSize);
    progress.bytes = Math.round(size * Math.min(1, (i + records.length) / rows.length));
    yield { records, problems: [] };
  }
}

/**
 * Keeps the next batch being read while the caller works on the current one, so that parsing overlaps the
 * database's work (on PostgreSQL that is another process, so another core).
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = it.next();
    // A failed read-ahead surfaces on the next await; until then it must not count as unhandled.
    next.catch(() => undefined);
    yield current.value;
  }
}
