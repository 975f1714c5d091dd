/**
 * A fixed-window counter per key (IP, address), held in memory. Time is an argument, so it is pure apart from
 * its own map. One process serves the public pages of a self-hosted install, so memory is enough; the map is
 * bounded so a flood of distinct keys cannot exhaust it.
 */
export type RateLimiter = {
  /** Counts one hit for `key` at `now`; `allowed` is false once the window's limit is reached. */
  hit(key: string, now: Date): { allowed: boolean; retryAfterSeconds: number };
};

export function createRateLimiter(options: { limit: number; windowMs: number; maxKeys?: number }): RateLimiter {
  const { limit, windowMs } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key, now) {
      const t = now.getTime();
      let w = windows.get(key);
      if (!w || t - w.start >= windowMs) {
        if (!w && windows.size >= maxKeys) evict(windows, t, windowMs, maxKeys);
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      const retryAfterSeconds = Math.max(1, Math.ceil((w.start + windowMs - t) / 1000));
      return { allowed: w.count <= limit, retryAfterSeconds };
    },
  };
}

// Drops expired windows first; if every window is live, drops the oldest tenth (Map keeps insertion order).
function evict(windows: Map<string, { start: number }>, t: number, windowMs: number, maxKeys: number): void {
  for (const [k, w] of windows) if (t - w.start >= windowMs) windows.delete(k);
  if (windows.size < maxKeys) return;
  let n = Math.ceil(maxKeys / 10);
  for (const k of windows.keys()) {
    windows.delete(k);
    if (--n <= 0) break;
  }
}
