/**
 * When a send starts, pure: a campaign whose `scheduledAt` is still ahead of `now` waits for it; one without a
 * time, or whose time has come or passed, starts now.
 */
export type SendPlan = { kind: 'now' } | { kind: 'scheduled'; runAt: Date };

export function planSend(options: { scheduledAt: string | undefined | null; now: Date }): SendPlan {
  if (!options.scheduledAt) return { kind: 'now' };
  const runAt = new Date(options.scheduledAt);
  if (Number.isNaN(runAt.getTime()) || runAt.getTime() <= options.now.getTime()) return { kind: 'now' };
  return { kind: 'scheduled', runAt };
}

/** How long a failed start waits before the next try: 30 s, doubling, at most 10 minutes. */
export function scheduleRetryDelayMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 600_000);
}
