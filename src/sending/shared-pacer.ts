/**
 * The pacer of a worker that shares its rate limits with every other send worker on the database: a conservative
 * share. The worker keeps a row in `send_workers` alive (heartbeat every `refreshMs`, expiring after `ttlMs`) and
 * paces at limit / (live workers). Messages are paced locally, without a database round trip; only the refresh
 * reads and writes the table. Before sending anything, and whenever it is unsure of its place, it holds back:
 * - until every other live worker has counted it (a heartbeat taken after its join), so two workers starting at
 *   once never both use the whole rate;
 * - when its own heartbeat is older than `ttlMs - refreshMs` (the database unreachable, the process stalled):
 *   the others may already have stopped counting it and taken its share.
 * A worker that starts beside others starts with empty buckets (`holdBurst`): a worker that was alone may just
 * have spent the whole burst. A bucket's burst is at least one message, so a per-domain limit below one message a
 * second per worker can let one message a worker more through at once than a single bucket would.
 * A worker that stopped without cleanup is no longer counted once its row expires.
 */
import type { Db } from '../db/database.js';
import { createPacer, workersSharing, type Pacer, type PacingLimits } from './pacing.js';
import { beatSendWorker, joinSendWorkers, leaveSendWorkers, listLiveSendWorkers } from './send-workers.repository.js';

export type SharedPacer = {
  /** As `Pacer.reserve`; while the worker holds back, the wait is one refresh. */
  reserve(domain: string, nowMs: number): number;
  /** Resolves once the worker has joined and every other live worker counts it (or after `ttlMs` at most). */
  ready: Promise<void>;
  /** Stops the heartbeat and removes the worker's row. */
  close(): Promise<void>;
};

export type SharedPacerOptions = {
  db: Db;
  workerId: string;
  limits: PacingLimits;
  /** The clock the pacer runs on (the worker's `now`). */
  now: () => number;
  refreshMs?: number;
  ttlMs?: number;
  log?: (entry: Record<string, unknown>) => void;
};

export function startSharedPacer(options: SharedPacerOptions): SharedPacer {
  const { db, workerId } = options;
  const refreshMs = options.refreshMs ?? 2_000;
  const ttlMs = options.ttlMs ?? 10_000;
  if (!(ttlMs > 2 * refreshMs)) throw new Error(`shared pacing: ttlMs (${ttlMs}) must exceed twice refreshMs (${refreshMs})`);
  const log = options.log ?? (() => {});
  const pacer: Pacer = createPacer(options.limits);
  // 0: hold back. `beatAt`: local monotonic time just before the last heartbeat that kept the row alive.
  let workers = 0;
  let beatAt = -Infinity;
  let joined = false;
  let closed = false;
  let running: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    if (!joined) {
      await joinSendWorkers(db, { workerId, ttlMs });
      joined = true;
    }
    const started = performance.now();
    const { countedAt, live } = await listLiveSendWorkers(db);
    const n = workersSharing(live, workerId);
    // The share is applied before the heartbeat says this count is in use. Starting (again) beside workers that
    // may have just spent their bursts, this one starts without one: together they stay within a single burst.
    if (n > 0) pacer.setWorkers(n, options.now());
    if (n > 1 && workers === 0) pacer.holdBurst(options.now());
    if (n !== workers) log({ msg: n > 0 ? 'send rate limits shared between workers' : 'send rate limits: held back until every worker counts this one', workers: n });
    workers = n;
    if (await beatSendWorker(db, { workerId, countedAt, ttlMs })) beatAt = started;
    else {
      workers = 0;
      joined = false;
    }
  }

  const tick = () => {
    if (closed || running) return;
    running = refresh().catch((err) => log({ msg: 'send workers heartbeat failed', error: (err as Error).message })).finally(() => { running = undefined; });
  };
  const timer = setInterval(tick, refreshMs);
  timer.unref();
  tick();

  const ready = (async () => {
    const until = performance.now() + ttlMs;
    while (!closed && performance.now() < until) {
      await running;
      if (workers > 0) return;
      await new Promise((r) => setTimeout(r, Math.min(refreshMs, 100)));
    }
  })();

  return {
    reserve(domain, nowMs) {
      if (workers === 0 || performance.now() - beatAt > ttlMs - refreshMs) return refreshMs;
      return pacer.reserve(domain, nowMs);
    },
    ready,
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      await leaveSendWorkers(db, workerId).catch((err) => log({ msg: 'send worker row not removed', error: (err as Error).message }));
    },
  };
}
