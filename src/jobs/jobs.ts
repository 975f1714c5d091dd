/**
 * A tiny durable job runner on the `jobs` table. Jobs carry ids, not data: a handler re-reads its rows.
 *   registerJob('send-batch', async (payload, ctx) => { … });   // at module load of the feature
 *   await enqueueJob(db, 'send-batch', { batchId });             // inside the caller's transaction if it has one
 * The worker claims due jobs, runs them, retries failures with exponential backoff, and marks a job `dead`
 * after `maxAttempts`.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { insertJob } from './jobs.repository.js';

export type JobContext = {
  db: Db;
  config: Config;
  now: () => Date;
  jobId: number;
  attempt: number;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
};

export type JobHandler<P = any> = (payload: P, ctx: JobContext) => Promise<void>;
export type JobDefinition = { handler: JobHandler; maxAttempts: number; backoffMs: number };

const registry = new Map<string, JobDefinition>();

/** Registers a handler for a job name; registering the same name twice is a programming error. */
export function registerJob<P>(name: string, handler: JobHandler<P>, options: { maxAttempts?: number; backoffMs?: number } = {}): void {
  if (registry.has(name)) throw new Error(`job "${name}" is already registered`);
  registry.set(name, { handler, maxAttempts: options.maxAttempts ?? 5, backoffMs: options.backoffMs ?? 5_000 });
}

export function registeredJobs(): ReadonlyMap<string, JobDefinition> {
  return registry;
}

/** Queues a job; pass a transaction to make it commit with the change that caused it. */
export async function enqueueJob(db: Kysely<Database>, name: string, payload: unknown, options: { runAt?: Date; maxAttempts?: number } = {}): Promise<number> {
  return insertJob(db, { name, payload, runAt: options.runAt ?? new Date(), maxAttempts: options.maxAttempts ?? registry.get(name)?.maxAttempts ?? 5 });
}

/** Exponential backoff with a cap: base · 2^(attempt-1), at most one hour. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 3_600_000);
}
