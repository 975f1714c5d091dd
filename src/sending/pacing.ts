/**
 * Send pacing: a global rate and a per-recipient-domain rate, as token buckets. Unlike the public pages'
 * fixed-window limiter (security/rate-limit.ts), which refuses requests, this one answers *when* a message may
 * go, so the worker can hold it back or put it back in the queue for later. Time is an argument.
 */
export type PacingLimits = {
  /** Messages per second across all domains; unlimited when absent. */
  perSecond?: number;
  /** Messages per minute to any one recipient domain (gmail.com, orange.fr…); unlimited when absent. */
  perDomainPerMinute?: number;
  /** Per-domain overrides, e.g. `{ 'orange.fr': 30 }` per minute. */
  domainOverrides?: Record<string, number>;
};

type Bucket = { tokens: number; at: number; ratePerMs: number; burst: number };

export type Pacer = {
  /** Takes one slot for `domain` at `nowMs`; returns 0 when it may go now, else how many ms to wait. */
  reserve(domain: string, nowMs: number): number;
};

function refill(b: Bucket, nowMs: number): void {
  b.tokens = Math.min(b.burst, b.tokens + (nowMs - b.at) * b.ratePerMs);
  b.at = nowMs;
}

export function createPacer(limits: PacingLimits): Pacer {
  const bucket = (perMs: number, now: number): Bucket => ({ tokens: Math.max(1, perMs * 1000), at: now, ratePerMs: perMs, burst: Math.max(1, perMs * 1000) });
  let global: Bucket | undefined;
  const domains = new Map<string, Bucket>();
  return {
    reserve(domain, nowMs) {
      const d = domain.toLowerCase();
      const perMinute = limits.domainOverrides?.[d] ?? limits.perDomainPerMinute;
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
  };
}
