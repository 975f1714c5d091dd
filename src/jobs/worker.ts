/**
 * The worker loop: claim due jobs (up to `concurrency` in flight), run each outside any transaction, record
 * the outcome. `stop()` stops claiming at once, then waits for the jobs in flight.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { registeredJobs, retryDelayMs, type JobContext } from './jobs.js';
import { claimJobs, completeJob, failJob, type JobRow } from './jobs.repository.js';

export type Worker = { stop(): Promise<void>; /** Runs one claim round; for tests. */ tick(): Promise<number> };

export type StartWorkerOptions = {
  db: Db;
  config: Config;
  log: JobContext['log'];
  now?: () => Date;
  concurrency?: number;
  pollMs?: number;
  /** How long a claim holds before another worker may take the job over. */
  lockMs?: number;
  /** Only these job names (default: every registered one), e.g. a worker dedicated to sending. */
  names?: string[];
  /** Start the polling loop (default true); tests may drive `tick()` themselves. */
  loop?: boolean;
};

export function startWorker(options: StartWorkerOptions): Worker {
  const { db, config, log } = options;
  const now = options.now ?? (() => new Date());
  const concurrency = options.concurrency ?? config.worker.concurrency;
  const pollMs = options.pollMs ?? config.worker.pollMs;
  const lockMs = options.lockMs ?? 5 * 60_000;
  const workerId = `w-${process.pid}-${randomBytes(4).toString('hex')}`;
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let wake: (() => void) | undefined;

  async function run(job: JobRow): Promise<void> {
    const def = registeredJobs().get(job.name);
    try {
      if (!def) throw new Error(`no handler registered for job "${job.name}"`);
      await def.handler(job.payload, { db, config, now, jobId: job.id, attempt: job.attempts, log });
      await completeJob(db, job.id, workerId, now());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const retry = job.attempts < job.max_attempts;
      const at = now();
      const retryAt = retry ? new Date(at.getTime() + retryDelayMs(job.attempts, def?.backoffMs ?? 5_000)) : null;
      log.warn({ job: job.id, name: job.name, attempt: job.attempts, retryAt, err: message }, retry ? 'job failed; will retry' : 'job failed for good');
      await failJob(db, job.id, workerId, { error: message, retryAt, now: at }).catch((e) => log.error({ err: e, job: job.id }, 'could not record job failure'));
    }
  }

  async function tick(): Promise<number> {
    if (stopping) return 0;
    const free = concurrency - inFlight.size;
    const names = options.names ?? [...registeredJobs().keys()];
    const jobs = await claimJobs(db, { names, workerId, limit: free, now: now(), lockMs });
    for (const job of jobs) {
      const p = run(job).finally(() => { inFlight.delete(p); wake?.(); });
      inFlight.add(p);
    }
    return jobs.length;
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      let claimed = 0;
      try {
        claimed = await tick();
      } catch (err) {
        log.error({ err }, 'claiming jobs failed');
      }
      if (stopping) break;
      if (claimed === 0 || inFlight.size >= concurrency) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => { clearTimeout(timer); resolve(); };
        });
        wake = undefined;
      }
    }
  }

  const looping = options.loop === false ? Promise.resolve() : loop();
  return {
    tick,
    async stop() {
      stopping = true;
      wake?.();
      await looping;
      await Promise.allSettled([...inFlight]);
    },
  };
}
