/**
 * `listwarden evaluate [FILE] [--policies a,b] [--at ISO] [--threads N]`: JSON Lines in, one JSON answer line out
 * per input line, in order (shared/contracts/evaluate.md). Streamed: memory stays constant whatever the number of
 * lines; large inputs are answered on worker threads (evaluate/answer-stream.ts).
 * Exit 0 when every line got a verdict, 2 when at least one line was an error line, 1 when the program failed.
 */
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseIsoDate } from '../engine/dates.js';
import type { CaseDefaults } from '../engine/parse-case.js';
import { POLICY_PACKS, type PolicyPack } from '../engine/types.js';
import { answerStream } from './evaluate/answer-stream.js';

const MAX_THREADS = 64;

export const HELP = `Usage: listwarden evaluate [FILE] [--policies platform,fr] [--at 2026-03-01T09:00:00Z] [--threads N]

Decides, for each case, whether the message may be sent, on what basis, and why.
Reads JSON Lines (one case per line) from FILE, or from standard input when FILE is absent or "-",
and writes one JSON line per case, in order. Blank lines are skipped.

Options:
  --policies LIST  packs for cases that name none (${POLICY_PACKS.join(', ')});
                   default: platform plus the pack of the contact's country
  --at ISO         the moment of sending for cases without "at"; default: now
  --threads N      threads that answer a large input, this one included (0 or 1: no worker
                   threads); default: the number of CPUs
  -h, --help       show this help

Exit status: 0 every line answered with a verdict, 2 at least one line was an error line,
1 the command itself failed (bad option, unreadable file).`;

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type Options = { file: string | null; defaults: CaseDefaults; threads: number };

function parseArgs(args: string[]): Options | string {
  let file: string | null = null;
  let threads = availableParallelism();
  const defaults: CaseDefaults = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    if (name === '--policies' || name === '--at' || name === '--threads') {
      const value = inline ?? args[++i];
      if (value === undefined || value === '') return `${name} needs a value`;
      if (name === '--at') {
        const at = parseIsoDate(value);
        if (Number.isNaN(at)) return `--at: "${value}" is not an ISO 8601 date`;
        defaults.at = at;
      } else if (name === '--threads') {
        if (!/^\d{1,2}$/.test(value) || Number(value) > MAX_THREADS) return `--threads: "${value}" is not a number from 0 to ${MAX_THREADS}`;
        threads = Number(value);
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
  return { file: file === '-' ? null : file, defaults, threads };
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
    const { anyError } = await answerStream({ input, out: io.stdout, defaults: options.defaults, threads: options.threads });
    return anyError ? 2 : 0;
  } catch (err) {
    if (closed || (err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    io.stderr.write(`listwarden evaluate: ${(err as Error).message}\n`);
    return 1;
  } finally {
    io.stdout.off('error', onOutError);
  }
}
