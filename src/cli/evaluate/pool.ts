/**
 * A small pool of worker threads for `listwarden evaluate`. Pieces of input go to the least busy worker with
 * their memory transferred; answers come back as encoded bytes. Results may arrive out of order: the caller
 * puts them back in order (answer-stream.ts).
 */
import { Worker } from 'node:worker_threads';
import type { CaseDefaults } from '../../engine/parse-case.js';

export interface PieceRequest { id: number; bytes: Uint8Array; firstLine: number }
export type PieceReply =
  | { id: number; out: Uint8Array; anyError: boolean }
  | { id: number; failure: string };

export interface PieceResult { out: Uint8Array; anyError: boolean }

interface Slot { worker: Worker; busy: number }

/** Pieces queued on one worker at most: one at work, one waiting, so a worker never idles for a round trip. */
const DEPTH = 2;
interface Waiter { resolve: (r: PieceResult) => void; reject: (e: Error) => void; slot: Slot }

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * The compiled worker.js; or, when running from source under tsx (tests, benches), a bootstrap that registers
 * tsx in the new thread first: tsx's `--import` hooks do not reach worker threads on Node 20.
 */
function spawnWorker(workerData: unknown): Worker {
  if (!FROM_SOURCE) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 0;
  #readyCount = 0;
  #failure: Error | null = null;
  #onChange: () => void;

  /** `onChange` is called when a worker becomes ready or the pool fails, so a caller waiting on either wakes. */
  constructor(options: { size: number; defaults: CaseDefaults; onChange: () => void }) {
    this.#onChange = options.onChange;
    for (let i = 0; i < options.size; i++) {
      const worker = spawnWorker({ defaults: options.defaults });
      const slot: Slot = { worker, busy: 0 };
      worker.on('message', (m: PieceReply | { ready: true }) => this.#receive(m));
      worker.on('error', (err) => this.#fail(err));
      worker.on('exit', (code) => { if (code !== 0) this.#fail(new Error(`an evaluate worker stopped (exit code ${code})`)); });
      this.#slots.push(slot);
    }
  }

  /** True once every worker has loaded the engine. */
  get ready(): boolean {
    return this.#readyCount === this.#slots.length && this.#failure === null;
  }

  /** Whether some worker has fewer than DEPTH pieces: a worker the system pauses then holds up only that many. */
  get hasRoom(): boolean {
    for (const s of this.#slots) if (s.busy < DEPTH) return true;
    return false;
  }

  get failure(): Error | null {
    return this.#failure;
  }

  /** Answers one piece on the least busy worker; `bytes` is transferred (unusable here afterwards). */
  run(bytes: Uint8Array, firstLine: number): Promise<PieceResult> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    let slot = this.#slots[0];
    for (const s of this.#slots) if (s.busy < slot.busy) slot = s;
    const id = this.#nextId++;
    slot.busy++;
    const request: PieceRequest = { id, bytes, firstLine };
    return new Promise<PieceResult>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, slot });
      slot.worker.postMessage(request, [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Stops every worker (their work is abandoned). */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => { s.worker.removeAllListeners('exit'); return s.worker.terminate(); }));
  }

  #receive(m: PieceReply | { ready: true }): void {
    if ('ready' in m) {
      this.#readyCount++;
      this.#onChange();
      return;
    }
    const w = this.#waiting.get(m.id);
    if (w === undefined) return;
    this.#waiting.delete(m.id);
    w.slot.busy--;
    if ('failure' in m) w.reject(new Error(m.failure));
    else w.resolve({ out: m.out, anyError: m.anyError });
  }

  #fail(err: Error): void {
    if (this.#failure !== null) return;
    this.#failure = err;
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
    this.#onChange();
  }
}
