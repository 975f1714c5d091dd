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

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 60_000, maxMs: 6 * 60 * 60_000, maxAttempts: 8 };

/** The RFC 3463 enhanced status code in a reply ("550 5.1.1 User unknown" → "5.1.1"), if any. */
export function enhancedStatus(reply: string): string | null {
  return /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? null;
}

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
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, options.attempt - 1));
  const delayMs = Math.round(exp * (0.75 + 0.5 * Math.min(1, Math.max(0, options.jitter))));
  return { kind: 'retry', delayMs, reply };
}
