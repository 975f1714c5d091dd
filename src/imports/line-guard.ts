/**
 * A guard between the decoder and the CSV parser. It does not parse: it only counts physical lines, so that
 * one absurdly long line (a 10 MB blob) or a line of binary data is cut out and reported instead of stalling
 * the parser or filling memory. A cut line is replaced by an empty one so line numbers stay true.
 */
import { Transform } from 'node:stream';

export type LineProblem = { line: number; reason: string };

export type LineGuardOptions = {
  /** Longest physical line kept, in characters. */
  maxLineChars: number;
  /** Called once per line that was cut out. */
  onProblem: (problem: LineProblem) => void;
  /** What ends a line: LF (and CRLF), or CR alone in files saved as "CSV (Macintosh)". */
  newline?: '\n' | '\r';
};

/** Creates the guard stream (strings in, strings out). */
export function createLineGuard(options: LineGuardOptions): Transform {
  const { maxLineChars, onProblem } = options;
  const newline = options.newline ?? '\n';
  let line = 1; // the physical line the next character belongs to
  let lineLength = 0; // characters of the current line already passed on or dropped
  let dropping = false; // the current line is too long and is being thrown away
  let pending = ''; // the start of the current line, held until we know it is not binary

  // The usual chunk has no NUL and no long line: pass it on whole, holding back only its unfinished last line.
  function fastPath(chunk: string): string | null {
    if (dropping || chunk.includes('\u0000')) return null;
    let from = 0;
    let count = 0;
    let lastNl = -1;
    for (let nl = chunk.indexOf(newline); nl !== -1; nl = chunk.indexOf(newline, nl + 1)) {
      const length = (from === 0 ? lineLength : 0) + nl - from;
      if (length > maxLineChars) return null;
      from = nl + 1;
      lastNl = nl;
      count++;
    }
    const tail = chunk.length - from;
    if ((lastNl === -1 ? lineLength : 0) + tail > maxLineChars) return null;
    if (lastNl === -1) {
      pending += chunk;
      lineLength += chunk.length;
      return '';
    }
    const text = pending + chunk.slice(0, lastNl + 1);
    pending = chunk.slice(lastNl + 1);
    lineLength = pending.length;
    line += count;
    return text;
  }

  return new Transform({
    readableObjectMode: true,
    writableObjectMode: true,
    transform(chunk: string, _enc, done) {
      const fast = fastPath(chunk);
      if (fast !== null) return done(null, fast.length > 0 ? fast : undefined);
      const out: string[] = [];
      let start = 0;
      while (start < chunk.length) {
        const nl = chunk.indexOf(newline, start);
        const end = nl === -1 ? chunk.length : nl;
        const piece = chunk.slice(start, end);
        if (!dropping) {
          if (lineLength + piece.length > maxLineChars) {
            dropping = true;
            pending = '';
            onProblem({ line, reason: `line is longer than ${maxLineChars} characters; it was skipped` });
          } else {
            pending += piece;
          }
        }
        lineLength += piece.length;
        if (nl === -1) break;
        if (!dropping) {
          if (pending.includes('\u0000')) {
            onProblem({ line, reason: 'line holds binary data (NUL bytes); it was skipped' });
            out.push(newline);
          } else {
            out.push(pending, newline);
          }
        } else {
          out.push(newline);
        }
        pending = '';
        dropping = false;
        lineLength = 0;
        line++;
        start = nl + 1;
      }
      const text = out.join('');
      done(null, text.length > 0 ? text : undefined);
    },
    flush(done) {
      if (!dropping && pending.length > 0) {
        if (pending.includes('\u0000')) {
          onProblem({ line, reason: 'line holds binary data (NUL bytes); it was skipped' });
          return done();
        }
        return done(null, pending);
      }
      done();
    },
  });
}
