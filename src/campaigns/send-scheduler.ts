/**
 * The loop that starts scheduled sends when due: every `pollMs` it runs `startDueSends` at `now()`. It runs in
 * every send worker (`start-campaign-sending.ts`); claims keep two workers from starting the same send.
 */
import type { Db } from '../db/database.js';
import { startDueSends } from './start-due-sends.js';

export type SendScheduler = {
  /** One round at `now()`; returns how many sends it started. */
  runOnce(): Promise<number>;
  /** Stops the loop and waits for the round in flight. */
  stop(): Promise<void>;
};

export function startSendScheduler(options: {
  db: Db; workerId: string; secret: string; baseUrl: string; pollMs: number;
  now?: () => Date; log?: (entry: Record<string, unknown>) => void;
  /** Start the polling loop (default true); tests may drive `runOnce()` themselves. */
  loop?: boolean;
}): SendScheduler {
  const now = options.now ?? (() => new Date());
  let stopping = false;
  let wake: (() => void) | undefined;
  const runOnce = async () => (await startDueSends({ db: options.db, workerId: options.workerId, now: now(), secret: options.secret, baseUrl: options.baseUrl, log: options.log })).started;

  async function loop(): Promise<void> {
    while (!stopping) {
      try {
        await runOnce();
      } catch (err) {
        options.log?.({ msg: 'starting scheduled sends failed', err: err instanceof Error ? err.message : String(err) });
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wake = () => { clearTimeout(timer); resolve(); };
      });
      wake = undefined;
    }
  }

  const looping = options.loop === false ? Promise.resolve() : loop();
  return {
    runOnce,
    async stop() {
      stopping = true;
      wake?.();
      await looping;
    },
  };
}
