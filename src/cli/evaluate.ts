/**
 * `listwarden evaluate [FILE] [--policies a,b] [--at ISO]`: JSON Lines in, one JSON answer line out per input
 * line, in order (shared/contracts/evaluate.md). Streamed: memory stays constant whatever the number of lines.
 * Exit 0 when every line got a verdict, 2 when at least one line was an error line, 1 when the program failed.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parseIsoDate } from '../engine/dates.js';
import { answerLine, evaluate } from '../engine/evaluate.js';
import { parseCase, type CaseDefaults } from '../engine/parse-case.js';
import { POLICY_PACKS, type ErrorLineJson, type PolicyPack } from '../engine/types.js';

export const HELP = `Usage: listwarden evaluate [FILE] [--policies platform,fr] [--at 2026-03-01T09:00:00Z]

Decides, for each case, whether the message may be sent, on what basis, and why.
Reads JSON Lines (one case per line) from FILE, or from standard input when FILE is absent or "-",
and writes one JSON line per case, in order. Blank lines are skipped.

Options:
  --policies LIST  packs for cases that name none (${POLICY_PACKS.join(', ')});
                   default: platform plus the pack of the contact's country
  --at ISO         the moment of sending for cases without "at"; default: now
  -h, --help       show this help

Exit status: 0 every line answered with a verdict, 2 at least one line was an error line,
1 the command itself failed (bad option, unreadable file).`;

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A line longer than this is answered with an error and skipped, so one runaway line cannot exhaust memory. */
const MAX_LINE = 1 << 20;
const ID_IN_TEXT = /"id"\s*:\s*"((?:[^"\\]|\\.)*)"/;

type Options = { file: string | null; defaults: CaseDefaults };

function parseArgs(args: string[]): Options | string {
  let file: string | null = null;
  const defaults: CaseDefaults = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    if (name === '--policies' || name === '--at') {
      const value = inline ?? args[++i];
      if (value === undefined || value === '') return `${name} needs a value`;
      if (name === '--at') {
        const at = parseIsoDate(value);
        if (Number.isNaN(at)) return `--at: "${value}" is not an ISO 8601 date`;
        defaults.at = at;
      } else {
        const packs = value.split(',').map((p) => p.trim());
        const unknown = packs.filter((p) => !(POLICY_PACKS as readonly string[]).includes(p));
        if (unknown.length > 0) return `--policies: unknown pack ${unknown.join(', ')} (known: ${POLICY_PACKS.join(', ')})`;
        defaults.policies = packs as PolicyPack[];
      }
    } else if (arg.startsWith('-') && arg !== '-') {
      return `unknown option ${arg}`;
    } else if (file === null) {
      file = arg;
    } else {
      return `only one FILE may be given (got ${file} and ${arg})`;
    }
  }
  return { file: file === '-' ? null : file, defaults };
}

function errorLine(lineNo: number, id: string | undefined, path: string, message: string): string {
  const e: ErrorLineJson = id === undefined ? { line: lineNo, error: { code: 'invalid_input', path, message } }
    : { id, line: lineNo, error: { code: 'invalid_input', path, message } };
  return JSON.stringify(e);
}

/** Answers one input line: the answer or the error line, as text without the newline. */
export function answerText(text: string, lineNo: number, defaults: CaseDefaults): { ok: boolean; line: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const m = ID_IN_TEXT.exec(text);
    let id: string | undefined;
    if (m !== null) { try { id = JSON.parse(`"${m[1]}"`) as string; } catch { id = undefined; } }
    return { ok: false, line: errorLine(lineNo, id, '', `the line is not valid JSON (${(e as Error).message})`) };
  }
  const parsed = parseCase(json, defaults);
  if (!parsed.ok) return { ok: false, line: errorLine(lineNo, parsed.id, parsed.error.path, parsed.error.message) };
  return { ok: true, line: answerLine(evaluate(parsed.case)) };
}

function write(out: NodeJS.WritableStream, text: string): Promise<void> | null {
  if (out.write(text)) return null;
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => { out.off('drain', done); out.off('error', done); if (err) reject(err); else resolve(); };
    out.on('drain', done);
    out.on('error', done);
  });
}

/** Streams the cases of `input` to `out`; returns whether any line was an error line. */
async function answerStream(input: NodeJS.ReadableStream, out: NodeJS.WritableStream, defaults: CaseDefaults): Promise<boolean> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let skipping = false; // inside a line that grew past MAX_LINE
  let lineNo = 0;
  let anyError = false;
  let buffer = '';

  const take = (raw: string): void => {
    lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    const r = answerText(text, lineNo, defaults);
    if (!r.ok) anyError = true;
    buffer += r.line;
    buffer += '\n';
  };
  const tooLong = (): void => {
    lineNo++;
    anyError = true;
    buffer += errorLine(lineNo, undefined, '', `the line is longer than ${MAX_LINE} bytes`) + '\n';
  };

  for await (const chunk of input) {
    const text = pending + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      if (skipping) skipping = false;
      else take(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    pending = text.slice(start);
    if (pending.length > MAX_LINE) {
      if (!skipping) tooLong();
      skipping = true;
      pending = '';
    }
    // Answer each chunk as soon as it is read: a slow producer (a pipe, a person) sees answers line by line,
    // while a file read in large chunks still gets large writes.
    if (buffer !== '') {
      const wait = write(out, buffer);
      buffer = '';
      if (wait !== null) await wait;
    }
  }
  pending += decoder.end();
  if (!skipping && pending !== '') take(pending);
  if (buffer !== '') {
    const wait = write(out, buffer);
    if (wait !== null) await wait;
  }
  return anyError;
}

/** Runs the command; `io` is for tests that drive it with their own streams. */
export async function run(args: string[], io: Io = process): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(HELP + '\n');
    return 0;
  }
  const options = parseArgs(args);
  if (typeof options === 'string') {
    io.stderr.write(`listwarden evaluate: ${options}\n\n${HELP}\n`);
    return 1;
  }
  // A reader that stops early (| head) closes the pipe: that ends the run, it is not a failure.
  let closed = false;
  const onOutError = (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') closed = true; };
  io.stdout.on('error', onOutError);
  try {
    const input = options.file === null ? io.stdin : createReadStream(options.file, { highWaterMark: 1 << 20 });
    const anyError = await answerStream(input, io.stdout, options.defaults);
    return anyError ? 2 : 0;
  } catch (err) {
    if (closed || (err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    io.stderr.write(`listwarden evaluate: ${(err as Error).message}\n`);
    return 1;
  } finally {
    io.stdout.off('error', onOutError);
  }
}
