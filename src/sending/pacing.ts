/**
 * Send pacing: a global rate and a per-recipient-domain rate, as token buckets. Unlike the public pages'
 * fixed-window limiter (security/rate-limit.ts), which refuses requests, this one answers *when* a message may
 * go, so the worker can hold it back or put it back in the queue for later. Time is an argument.
 *
 * The limits hold across every send worker on the database: each worker takes an equal share (`setWorkers`),
 * the number of live workers as `workersSharing` reads them from `send_workers` (see shared-pacer.ts).
 */
export type PacingLimits = {
  /** Messages per second across all domains; unlimited when absent. */
  perSecond?: number;
  /** Messages per minute to any one recipient domain (gmail.com, orange.fr…); unlimited when absent. */
  perDomainPerMinute?: number;
  /** Per-domain overrides, e.g. `{ 'orange.fr': 30 }` per minute. */
  domainOverrides?: Record<string, number>;
};

/** `base`: the configured rate a ms, before it is divided between the workers. */
type Bucket = { tokens: number; at: number; base: number; ratePerMs: number; burst: number };

export type Pacer = {
  /** Takes one slot for `domain` at `nowMs`; returns 0 when it may go now, else how many ms to wait. */
  reserve(domain: string, nowMs: number): number;
  /**
   * From `nowMs` on, this worker's share is 1/`workers` of every rate and burst (1 by default). Tokens held
   * beyond the new burst are dropped, so a worker whose share shrinks cannot spend the old one.
   */
  setWorkers(workers: number, nowMs: number): void;
  /**
   * Empties every bucket, and those first used within the next second start empty: for a worker that begins
   * sharing with workers already sending, whose bursts (one second's worth) may have just been spent.
   */
  holdBurst(nowMs: number): void;
};

/** Whether any limit is configured; without one no worker registers or waits. */
export function hasLimits(limits: PacingLimits): boolean {
  return Boolean(limits.perSecond || limits.perDomainPerMinute || Object.keys(limits.domainOverrides ?? {}).length);
}

function refill(b: Bucket, nowMs: number): void {
  b.tokens = Math.min(b.burst, b.tokens + Math.max(0, nowMs - b.at) * b.ratePerMs);
  b.at = nowMs;
}

/** A share's rate and burst: one second's worth of the rate, at least one message. */
function resize(b: Bucket, workers: number): void {
  b.ratePerMs = b.base / workers;
  b.burst = Math.max(1, b.ratePerMs * 1000);
  b.tokens = Math.min(b.tokens, b.burst);
}

export function createPacer(limits: PacingLimits): Pacer {
  let workers = 1;
  let coldUntil = -Infinity;
  const bucket = (perMs: number, now: number): Bucket => {
    const b = { tokens: now < coldUntil ? 0 : Infinity, at: now, base: perMs, ratePerMs: perMs, burst: 1 };
    resize(b, workers);
    return b;
  };
  let global: Bucket | undefined;
  const domains = new Map<string, Bucket>();
  const overrides = new Map(Object.entries(limits.domainOverrides ?? {}).map(([d, n]) => [d.toLowerCase(), n]));
  return {
    reserve(domain, nowMs) {
      const d = domain.toLowerCase();
      const perMinute = overrides.get(d) ?? limits.perDomainPerMinute;
      if (limits.perSecond && !global) global = bucket(limits.perSecond / 1000, nowMs);
      let dom = perMinute ? domains.get(d) : undefined;
      if (perMinute && !dom) {
        dom = bucket(perMinute / 60_000, nowMs);
        domains.set(d, dom);
      }
      let wait = 0;
      for (const b of [global, dom]) {
        if (!b) continue;
        refill(b, nowMs);
        if (b.tokens < 1) wait = Math.max(wait, Math.ceil((1 - b.tokens) / b.ratePerMs));
      }
      // A slot is taken only when the message may go now, so a held-back message does not use up capacity.
      if (wait === 0) for (const b of [global, dom]) if (b) b.tokens -= 1;
      return wait;
    },
    setWorkers(n, nowMs) {
      if (!Number.isInteger(n) || n < 1) throw new Error(`pacing: the workers sharing the limits must be a whole number from 1, not ${n}`);
      if (n === workers) return;
      workers = n;
      for (const b of [global, ...domains.values()]) {
        if (!b) continue;
        refill(b, nowMs);
        resize(b, n);
      }
    },
    holdBurst(nowMs) {
      coldUntil = nowMs + 1000;
      for (const b of [global, ...domains.values()]) {
        if (!b) continue;
        b.tokens = 0;
        b.at = nowMs;
      }
    },
  };
}

/** A live send worker as `send_workers` holds it; times in ms since the epoch, from the database clock. */
export type LiveWorker = { workerId: string; joinedAt: number; heartbeatAt: number };

/**
 * How many workers share the limits, as worker `me` sees the live ones; 0 (send nothing yet) when `me` is not
 * among them or another live worker has not counted it yet: a worker's `heartbeatAt` is the moment as of which it
 * counted the others, so one at or before `me`'s join may still be using a share that leaves `me` out.
 */
export function workersSharing(live: LiveWorker[], me: string): number {
  const self = live.find((w) => w.workerId === me);
  if (!self) return 0;
  if (live.some((w) => w.workerId !== me && w.heartbeatAt <= self.joinedAt)) return 0;
  return live.length;
}
