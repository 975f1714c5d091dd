/**
 * What an SMTP outcome means for one recipient: sent, try again later (4xx, connection trouble), or a permanent
 * failure (5xx) that is recorded as a bounce. Backoff doubles from `baseMs` up to `maxMs`; the jitter is an
 * argument (0..1) so that the function stays pure and tests can pin it.
 */
export type SmtpOutcome =
  | { ok: true; response: string }
  | { ok: false; responseCode?: number; response?: string; error?: string };

export type Decision =
  | { kind: 'sent' }
  | { kind: 'retry'; delayMs: number; reply: string }
  | { kind: 'give_up'; reply: string }
  | { kind: 'bounce'; reply: string; status: string | null; hard: boolean };

export type RetryPolicy = { baseMs: number; maxMs: number; maxAttempts: number };

/** The reply stored on a row held back by the sending rate limit (send-worker.ts); not an attempt. */
export const HELD_BACK_REPLY = 'held back by the sending rate limit';

/** The reply stored on a row put back because its worker stopped during the attempt (outbox.repository.ts `requeueExpired`). */
export const INTERRUPTED_REPLY = 'interrupted: the send worker stopped before the mail server answered';

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 60_000, maxMs: 6 * 60 * 60_000, maxAttempts: 8 };

/** The RFC 3463 enhanced status code in a reply ("550 5.1.1 User unknown" → "5.1.1"), if any. */
export function enhancedStatus(reply: string): string | null {
  return /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? null;
}

/** The wait after attempt number `attempt` failed for a time, before the jitter: doubling from `baseMs`, at most `maxMs`. */
const baseWait = (policy: RetryPolicy, attempt: number) => Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));

/** Decides from the outcome of attempt number `attempt` (1 for the first). */
export function decide(outcome: SmtpOutcome, options: { attempt: number; policy?: RetryPolicy; jitter: number }): Decision {
  if (outcome.ok) return { kind: 'sent' };
  const policy = options.policy ?? DEFAULT_RETRY;
  const reply = (outcome.response ?? outcome.error ?? 'no reply').slice(0, 500);
  const code = outcome.responseCode ?? 0;
  if (code >= 500 && code < 600) {
    const status = enhancedStatus(reply);
    // Hard = the address is dead (TECH-04); 5.7.x is the sender's policy problem, never the recipient's.
    const hard = status !== null && (/^5\.1\.\d+$/.test(status) || status === '5.2.1');
    return { kind: 'bounce', reply, status, hard };
  }
  if (options.attempt >= policy.maxAttempts) return { kind: 'give_up', reply };
  const delayMs = Math.round(baseWait(policy, options.attempt) * (0.75 + 0.5 * Math.min(1, Math.max(0, options.jitter))));
  return { kind: 'retry', delayMs, reply };
}

/**
 * When a recipient whose attempt number `attempts` failed with a temporary error and whose next attempt is due at
 * `nextDue` is given up, should every attempt left fail the same way: the number of its last attempt and the range
 * in which that one falls due (the jitter of `decide` spreads each wait over 0.75 to 1.25 of it). Pure.
 */
export function lastAttemptWindow(options: { attempts: number; nextDue: Date; policy?: RetryPolicy }): { attempt: number; earliest: Date; latest: Date } {
  const policy = options.policy ?? DEFAULT_RETRY;
  const next = options.attempts + 1;
  const last = Math.max(policy.maxAttempts, next);
  let wait = 0;
  // the waits after attempts next … last-1, as `decide` computes them
  for (let a = next; a < last; a++) wait += baseWait(policy, a);
  const t = options.nextDue.getTime();
  return { attempt: last, earliest: new Date(t + Math.round(wait * 0.75)), latest: new Date(t + Math.round(wait * 1.25)) };
}
