/**
 * Streams JSON Lines cases from `input` to answers on `out`, in input order, in constant memory.
 *
 * The main thread cuts the input into pieces of complete lines and writes answers back in order. A small input
 * is answered right here; once the input passes POOL_AFTER bytes a pool of `threads - 1` worker threads starts,
 * and from the moment it is ready each piece goes to a worker with room (2 pieces each), else is answered here:
 * one isolate fewer to warm up and collect than a worker per CPU, with every CPU busy all the same. At most
 * `8 × threads` pieces are between being read and being written, and answers wait while `out` asks us to
 * (back-pressure), so memory does not grow with the input.
 */
import type { CaseDefaults } from '../../engine/parse-case.js';
import { answerChunk, errorLine, MAX_LINE } from './answer-chunk.js';
import { LineChunker } from './line-chunks.js';
import { WorkerPool } from './pool.js';

/** Below this much input a pool costs more (tens of ms to start each worker) than it saves. */
const POOL_AFTER = 1 << 20;
/** Pieces of about this size: a few milliseconds of work each, large enough that messaging costs little. */
const PIECE_BYTES = 256 * 1024;

export interface AnswerStreamOptions {
  input: NodeJS.ReadableStream;
  out: NodeJS.WritableStream;
  defaults: CaseDefaults;
  /** Threads that answer a large input, the calling one included; below 2 there are no worker threads. */
  threads: number;
  /**
   * While the workers load (tens of milliseconds compiled, far longer under tsx), answer here rather than wait
   * for them. Default true; tests turn it off to be sure the workers answer.
   */
  inlineWhileStarting?: boolean;
}

export interface AnswerStreamResult {
  /** Whether any line was answered with an error line. */
  anyError: boolean;
  /** How many pieces of input were answered on worker threads (the rest on the calling thread). */
  onWorkers: number;
}

/** Answers every line of `input`, in order, on `out`. */
export async function answerStream(options: AnswerStreamOptions): Promise<AnswerStreamResult> {
  const { input, out, defaults, threads } = options;
  const inlineWhileStarting = options.inlineWhileStarting ?? true;
  const chunker = new LineChunker(PIECE_BYTES);
  const window = Math.max(2, threads * 8);
  const done = new Map<number, Uint8Array | string>();
  let pool: WorkerPool | null = null;
  let seen = 0;
  let nextSeq = 0;
  let nextWrite = 0;
  let nextLine = 1;
  let anyError = false;
  let onWorkers = 0;
  let draining = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;

  const changed = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const nextChange = (): Promise<void> => new Promise<void>((resolve) => { wake = resolve; });
  const onDrain = (): void => { draining = false; flush(); };
  const onError = (err: Error): void => { failure ??= err; changed(); };
  const onClose = (): void => { if (draining) onError(Object.assign(new Error('output closed'), { code: 'EPIPE' })); };
  out.on('error', onError);
  out.on('close', onClose);

  /** Writes every answer that is next in order; stops while `out` is full. */
  function flush(): void {
    while (!draining) {
      const data = done.get(nextWrite);
      if (data === undefined) break;
      done.delete(nextWrite);
      nextWrite++;
      if (data.length > 0 && !out.write(data)) {
        draining = true;
        out.once('drain', onDrain);
      }
    }
    changed();
  }

  async function submit(piece: ReturnType<LineChunker['push']>[number]): Promise<void> {
    // Pieces not yet written (in flight, or answered and waiting their turn or for `out` to drain) are bounded.
    // The window is wider than the workers' queues so that one worker descheduled by a busy machine holds back
    // the writing, not the other threads.
    while (failure === null && nextSeq - nextWrite >= window) await nextChange();
    if (failure !== null) throw failure;
    const seq = nextSeq++;
    const firstLine = nextLine;
    if (piece.kind === 'too-long') {
      nextLine++;
      anyError = true;
      done.set(seq, errorLine(firstLine, undefined, '', `the line is longer than ${MAX_LINE} bytes`) + '\n');
      flush();
      return;
    }
    nextLine += piece.lines;
    // The main thread is one of the `threads`: it answers a piece itself whenever every worker has its fill.
    if (pool === null && threads > 1 && seen > POOL_AFTER) {
      pool = new WorkerPool({ size: threads - 1, defaults, onChange: changed });
    }
    if (pool !== null && !inlineWhileStarting) {
      while (!pool.ready && pool.failure === null && failure === null) await nextChange();
    }
    // A worker that cannot start is a broken install: say so (exit 1) rather than answer slowly without saying.
    if (pool !== null && pool.failure !== null) throw pool.failure;
    if (failure !== null) throw failure;
    if (pool !== null && pool.ready && pool.hasRoom) {
      onWorkers++;
      pool.run(piece.bytes, firstLine).then((r) => {
        if (r.anyError) anyError = true;
        done.set(seq, r.out);
        flush();
      }, (err: Error) => { failure ??= err; changed(); });
      return;
    }
    // No pool (a small input), workers still starting, or all busy: answer here, keeping the order all the same.
    const r = answerChunk(piece.bytes, firstLine, defaults);
    if (r.anyError) anyError = true;
    done.set(seq, r.out);
    flush();
    // Let the workers' answers in before the next piece: a worker that finished gets new work at once instead
    // of idling while this thread answers the rest of a large read.
    if (pool !== null) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  try {
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      seen += bytes.length;
      for (const piece of chunker.push(bytes)) await submit(piece);
    }
    for (const piece of chunker.end()) await submit(piece);
    while (failure === null && (nextWrite < nextSeq || draining)) await nextChange();
    if (failure !== null) throw failure;
    return { anyError, onWorkers };
  } finally {
    out.off('error', onError);
    out.off('close', onClose);
    out.off('drain', onDrain);
    if (pool !== null) await (pool as WorkerPool).close();
  }
}
