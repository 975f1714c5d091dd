/**
 * Answers a run of complete JSON Lines held as UTF-8 bytes: the unit of work of `listwarden evaluate`, run
 * on the main thread for small inputs and on worker threads for large ones. Pure apart from its inputs.
 */
import { evaluate } from '../../engine/evaluate.js';
import { parseCase, type CaseDefaults } from '../../engine/parse-case.js';
import type { ErrorLineJson } from '../../engine/types.js';
import { AnswerBytes } from './answer-bytes.js';

/** A line longer than this is answered with an error, so one runaway line cannot exhaust memory. */
export const MAX_LINE = 1 << 20;
const NEWLINE = 10;
const ID_IN_TEXT = /"id"\s*:\s*"((?:[^"\\]|\\.)*)"/;

export interface ChunkAnswer {
  /** One answer line per non-blank input line, each ending in a newline, as UTF-8. */
  out: Buffer;
  /** Whether any line was answered with an error line. */
  anyError: boolean;
}

export function errorLine(lineNo: number, id: string | undefined, path: string, message: string): string {
  const e: ErrorLineJson = id === undefined ? { line: lineNo, error: { code: 'invalid_input', path, message } }
    : { id, line: lineNo, error: { code: 'invalid_input', path, message } };
  return JSON.stringify(e);
}

/** Appends the answer or the error line for one line of text (without its newline); false for an error line. */
function answerText(text: string, lineNo: number, defaults: CaseDefaults, out: AnswerBytes): boolean {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // The id is still worth echoing when it can be picked out, so the caller can match the error to its case.
    const m = ID_IN_TEXT.exec(text);
    let id: string | undefined;
    if (m !== null) { try { id = JSON.parse(`"${m[1]}"`) as string; } catch { id = undefined; } }
    out.line(errorLine(lineNo, id, '', `the line is not valid JSON (${(e as Error).message})`));
    return false;
  }
  const parsed = parseCase(json, defaults);
  if (!parsed.ok) {
    out.line(errorLine(lineNo, parsed.id, parsed.error.path, parsed.error.message));
    return false;
  }
  out.answer(evaluate(parsed.case));
  return true;
}

/** Blank lines are skipped; nearly every line opens with "{", so trim() runs only on the odd one. */
function isBlank(text: string): boolean {
  return text.charCodeAt(0) !== 123 && text.trim() === '';
}

/**
 * Answers the lines of `bytes`; the first is line number `firstLine`. Every line but the last ends in a newline;
 * the last may lack one (the end of the input). Each line is decoded on its own, so that an ASCII line stays a
 * one-byte string (JSON.parse reads those faster) whatever the other lines hold.
 */
export function answerChunk(bytes: Uint8Array, firstLine: number, defaults: CaseDefaults): ChunkAnswer {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buf.length;
  // Answers run a little longer than the cases they answer.
  const out = new AnswerBytes(Math.ceil(end * 1.5));
  let anyError = false;
  let lineNo = firstLine;
  let start = 0;
  while (start < end) {
    let nl = buf.indexOf(NEWLINE, start);
    if (nl === -1) nl = end;
    let stop = nl;
    if (stop > start && buf[stop - 1] === 13) stop--; // CRLF
    if (stop - start > MAX_LINE) {
      anyError = true;
      out.line(errorLine(lineNo, undefined, '', `the line is longer than ${MAX_LINE} bytes`));
    } else if (stop > start) {
      const line = buf.toString('utf8', start, stop);
      if (!isBlank(line) && !answerText(line, lineNo, defaults, out)) anyError = true;
    }
    lineNo++;
    start = nl + 1;
  }
  return { out: out.bytes(), anyError };
}

/** The number of lines in `bytes` as `answerChunk` counts them (a last line without a newline counts). */
export function countLines(bytes: Uint8Array): number {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  let at = buf.indexOf(NEWLINE);
  let last = -1;
  while (at !== -1) {
    n++;
    last = at;
    at = buf.indexOf(NEWLINE, at + 1);
  }
  return last === buf.length - 1 ? n : n + 1;
}
