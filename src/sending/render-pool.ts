/**
 * Renders and signs messages on worker threads. Rendering (Liquid) and RSA signing are most of the CPU a message
 * costs; on the main thread they delayed every SMTP reply behind them. A batch is cut into small pieces handed to
 * the thread with the least work queued, and each recipient gets its own promise: sending starts as soon as the
 * first piece is back, and the threads never wait for a whole batch to be claimed and evaluated (with one promise
 * per batch the render thread sat idle a third of the time). A thread learns a send's context once.
 */
import { Worker } from 'node:worker_threads';
import type { SendInput } from './load-send-context.js';
import type { PreparedMessage, Recipient } from './prepare-message.js';
import type { ThreadReply, ThreadRequest } from './render-thread.js';

export type Prepared = PreparedMessage | { error: string };

export type RenderPool = {
  /** One promise per recipient, in order; a promise never rejects (a failure is an `{ error }` value). */
  prepare(input: SendInput, recipients: Recipient[], now: Date): Promise<Prepared>[];
  /** How many of the threads take new pieces (at least 1; the others idle). */
  setActiveThreads(n: number): void;
  close(): Promise<void>;
};

/** Recipients per message to a thread: small enough to start sending early, large enough to amortise postMessage. */
const PIECE = 25;

function spawnThread(): Worker {
  // Under tsx (tests, benches) the thread must register the TypeScript loader itself before importing the file.
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./render-thread.${ts ? 'ts' : 'js'}`, import.meta.url);
  const worker = ts
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true })
    : new Worker(entry);
  worker.unref();
  return worker;
}

type Waiting = { count: number; resolve: (results: Prepared[]) => void };

export function createRenderPool(options: { threads: number; secret: string; baseUrl: string }): RenderPool {
  const threads = Array.from({ length: options.threads }, () => ({ worker: spawnThread(), sends: new Set<number>(), queued: 0, waiting: new Map<number, Waiting>() }));
  let nextId = 0;
  let active = threads.length;
  for (const t of threads) {
    t.worker.on('message', (r: ThreadReply) => {
      const w = t.waiting.get(r.id);
      if (!w) return;
      t.waiting.delete(r.id);
      t.queued -= w.count;
      w.resolve(r.results.map((x) => ('start' in x
        ? { envelopeFrom: x.envelopeFrom, messageId: x.messageId, verbatim: x.verbatim, raw: Buffer.from(r.bytes.buffer, r.bytes.byteOffset + x.start, x.end - x.start) }
        : x)));
    });
    // A thread that died answers every piece it held with its error; later pieces go to the other threads.
    t.worker.on('error', (err) => {
      for (const w of t.waiting.values()) w.resolve(Array.from({ length: w.count }, () => ({ error: err.message })));
      t.waiting.clear();
      t.queued = Number.POSITIVE_INFINITY;
    });
  }
  function dispatch(input: SendInput, slice: Recipient[], now: Date): Promise<Prepared[]> {
    const t = threads.slice(0, active).reduce((a, b) => (b.queued < a.queued ? b : a));
    if (t.queued === Number.POSITIVE_INFINITY) return Promise.resolve(slice.map(() => ({ error: 'render thread failed' })));
    if (!t.sends.has(input.sendId)) {
      t.sends.add(input.sendId);
      t.worker.postMessage({ type: 'context', input } satisfies ThreadRequest);
    }
    const id = ++nextId;
    t.queued += slice.length;
    return new Promise<Prepared[]>((resolve) => {
      t.waiting.set(id, { count: slice.length, resolve });
      t.worker.postMessage({ type: 'prepare', id, sendId: input.sendId, recipients: slice, now: now.getTime(), secret: options.secret, baseUrl: options.baseUrl } satisfies ThreadRequest);
    });
  }
  return {
    prepare(input, recipients, now) {
      const out: Promise<Prepared>[] = [];
      for (let i = 0; i < recipients.length; i += PIECE) {
        const piece = dispatch(input, recipients.slice(i, i + PIECE), now);
        for (let j = 0; j < Math.min(PIECE, recipients.length - i); j++) {
          out.push(piece.then((results) => results[j] ?? { error: 'render thread failed' }));
        }
      }
      return out;
    },
    setActiveThreads(n) {
      active = Math.max(1, Math.min(threads.length, Math.floor(n)));
    },
    async close() {
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
