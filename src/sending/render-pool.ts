/**
 * Renders and signs messages on worker threads. Rendering (Liquid) and RSA signing are most of the CPU a message
 * costs; on the main thread they delayed every SMTP reply behind them. Recipients are split evenly across the
 * threads; a thread learns a send's context (templates, key) once.
 */
import { Worker } from 'node:worker_threads';
import type { SendInput } from './load-send-context.js';
import type { PreparedMessage, Recipient } from './prepare-message.js';
import type { ThreadReply, ThreadRequest } from './render-thread.js';

export type RenderPool = {
  prepare(input: SendInput, recipients: Recipient[], now: Date): Promise<(PreparedMessage | { error: string })[]>;
  close(): Promise<void>;
};

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

export function createRenderPool(options: { threads: number; secret: string; baseUrl: string }): RenderPool {
  const threads = Array.from({ length: options.threads }, () => ({ worker: spawnThread(), sends: new Set<number>() }));
  const waiting = new Map<number, (r: ThreadReply) => void>();
  let nextId = 0;
  for (const t of threads) {
    t.worker.on('message', (r: ThreadReply) => { waiting.get(r.id)?.(r); waiting.delete(r.id); });
    t.worker.on('error', (err) => { for (const [id, resolve] of waiting) { resolve({ id, results: [{ error: err.message }] }); } waiting.clear(); });
  }
  return {
    async prepare(input, recipients, now) {
      const share = Math.ceil(recipients.length / threads.length);
      const parts = await Promise.all(threads.map((t, i) => {
        const slice = recipients.slice(i * share, (i + 1) * share);
        if (slice.length === 0) return Promise.resolve<ThreadReply>({ id: -1, results: [] });
        if (!t.sends.has(input.sendId)) {
          t.sends.add(input.sendId);
          t.worker.postMessage({ type: 'context', input } satisfies ThreadRequest);
        }
        const id = ++nextId;
        return new Promise<ThreadReply>((resolve) => {
          waiting.set(id, resolve);
          t.worker.postMessage({ type: 'prepare', id, sendId: input.sendId, recipients: slice, now: now.getTime(), secret: options.secret, baseUrl: options.baseUrl } satisfies ThreadRequest);
        });
      }));
      return parts.flatMap((p, i) => {
        const count = recipients.slice(i * share, (i + 1) * share).length;
        // A thread that died answers with one error: every recipient of its share gets it.
        return p.results.length === count ? p.results.map((r) => ('raw' in r ? { ...r, raw: Buffer.from(r.raw.buffer, r.raw.byteOffset, r.raw.byteLength) } : r))
          : Array.from({ length: count }, () => ({ error: 'error' in (p.results[0] ?? {}) ? (p.results[0] as { error: string }).error : 'render thread failed' }));
      });
    },
    async close() {
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
