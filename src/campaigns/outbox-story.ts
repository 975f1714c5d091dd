/**
 * Where one recipient of a send stands in the outbox, said for a marketer asking "why did (or didn't) this person
 * get it?": a stage, and the sentence that starts the answer's `summary` (after-sending.ts adds what came back).
 * Each state gets the times that matter: when it was sent, blocked, refused or given up; for a message still
 * waiting, what the last attempt got, when the next is due and when it would be given up. Pure: rows in, answer out.
 */
import { HELD_BACK_REPLY, INTERRUPTED_REPLY, lastAttemptWindow, type RetryPolicy } from '../sending/retry-policy.js';

export type OutboxStage =
  | 'waiting' | 'retrying' | 'held_back' | 'paused' | 'being_sent' | 'interrupted' | 'sent'
  | 'blocked_at_start' | 'blocked_at_recheck' | 'bounced' | 'gave_up' | 'cancelled';

export type OutboxRow = {
  state: string; reasons: unknown[]; recheckVerdict: string | null; recheckReasons: unknown[] | null;
  attempts: number; lastReply: string | null; lastReplyAt: Date | null; blockedAt: Date | null; sentAt: Date | null;
  nextAttemptAt: Date; leaseUntil: Date | null;
};
export type SendFacts = { status: string; createdAt: Date; finishedAt: Date | null; pausedAt: Date | null };
/** The refusal during sending, when the intake recorded it (`afterSendingEvents`, via `sending`). */
export type Refusal = { type: 'hard' | 'soft' | 'sender_problem'; status: string | null; at: string; effect: string };

/** What the intake did about a refusal during sending (apply-bounce-action.ts `ActionEffect`). */
const refusalEffects: Record<string, string> = {
  suppressed: 'the address is now suppressed', already_suppressed: 'the address was already suppressed',
  soft_counted: 'counted towards the soft-bounce limit', soft_limit_suppressed: 'the soft-bounce limit was reached, so the address is now suppressed',
};

export type OutboxStory = {
  stage: OutboxStage;
  sentence: string;
  /** A message still to be tried: the attempt after which it is given up and when that one falls due. */
  givesUp: { afterAttempt: number; earliest: string; latest: string } | null;
};


const iso = (d: Date) => d.toISOString();
const on = (d: Date | null) => (d ? ` on ${iso(d)}` : '');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * "Why: " and the texts of the reasons that blocked, each once (packs may give the same text), as the sentences they
 * are, the last without its full stop (the summary ends it).
 */
export function blockTexts(reasons: readonly unknown[] | null): string {
  const texts = [...new Set((reasons ?? [])
    .filter((r): r is { effect: string; text?: string; code?: string } => typeof r === 'object' && r !== null && (r as { effect?: string }).effect === 'block')
    .map((r) => (r.text || r.code || '').trim().replace(/\.$/, ''))
    .filter(Boolean))];
  return `Why: ${texts.length ? texts.join('. ') : 'the engine found no basis to send'}`;
}

/** What an attempt's stored reply means, said as what happened ("the mail server answered …: 451 4.7.1 try later"). */
function replyMeaning(reply: string): string {
  if (reply.startsWith('connect:')) return `could not reach the outgoing mail server (${reply})`;
  if (reply === INTERRUPTED_REPLY) return 'was interrupted: the send worker stopped before the mail server answered';
  if (reply.startsWith('not rendered:') || reply === 'send context unavailable') return `could not be prepared (${reply})`;
  if (/^4\d\d\b/.test(reply)) return `got a temporary refusal from the mail server: ${reply}`;
  if (/^5\d\d\b/.test(reply)) return `got a permanent refusal from the mail server: ${reply}`;
  return `failed: ${reply}`;
}

/** "attempt 2 failed on …: 451 …", or for a message held back by the rate limit, that (not an attempt). */
function lastAttempt(row: OutboxRow, attempt: number): string {
  const reply = row.lastReply ?? '';
  if (reply === HELD_BACK_REPLY) return `it was held back by the sending rate limit${on(row.lastReplyAt)} (that does not count as an attempt)`;
  return `attempt ${attempt}${on(row.lastReplyAt)} ${replyMeaning(reply)}`;
}

/** The row's stage and the sentence that opens "why" (no final full stop: the summary adds what follows). */
export function tellOutbox(o: { row: OutboxRow; send: SendFacts; refusal?: Refusal; now: Date; policy?: RetryPolicy }): OutboxStory {
  const { row, send, now } = o;
  const tried = row.attempts;
  const story = (stage: OutboxStage, sentence: string, givesUp: OutboxStory['givesUp'] = null): OutboxStory => ({ stage, sentence, givesUp });
  switch (row.state) {
    case 'sent':
      return story('sent', `Sent (the receiving server took it${on(row.sentAt)}${tried > 1 ? `, at attempt ${tried}` : ''})`);
    case 'blocked':
      if (row.recheckVerdict === null) return story('blocked_at_start', `Not sent: blocked when the send started${on(send.createdAt)}. ${blockTexts(row.reasons)}`);
      {
        // an earlier reply (a failed attempt, or held back by the rate limit) is history, told after the decision
        const before = row.lastReply ? `. Before that, ${lastAttempt(row, Math.max(1, tried - 1))}` : '';
        return story('blocked_at_recheck', `Not sent: allowed when the send started, then blocked at the recheck just before sending${on(row.blockedAt)}. ${blockTexts(row.recheckReasons)}${before}`);
      }
    case 'bounced': {
      const r = o.refusal;
      const effect = r && refusalEffects[r.effect] ? `: ${refusalEffects[r.effect]}` : '';
      const kind = r ? ` (${r.type === 'sender_problem' ? 'a refusal because of the sender; the address was not suppressed' : `${r.type} bounce${r.status ? `, ${r.status}` : ''}${effect}`})` : '';
      return story('bounced', `Not sent: the mail server refused it during sending${on(row.lastReplyAt ?? (o.refusal ? new Date(o.refusal.at) : null))}, at attempt ${Math.max(1, tried)}${kind}${row.lastReply ? `: ${row.lastReply}` : ''}`);
    }
    case 'retry_exhausted':
      return story('gave_up', `Not sent: given up after ${plural(tried, 'attempt')} that each failed with a temporary error; the last${row.lastReplyAt ? `, on ${iso(row.lastReplyAt)},` : ''} ${replyMeaning(row.lastReply ?? 'no reply')}`);
    case 'cancelled': {
      const earlier = row.lastReply ? `; before that, ${lastAttempt(row, tried)}` : '';
      return story('cancelled', `Not sent: the send was cancelled${on(send.finishedAt)} before this message went out${earlier}`);
    }
    case 'sending': {
      if (row.leaseUntil && row.leaseUntil.getTime() < now.getTime()) {
        return story('interrupted', `Not sent yet: attempt ${tried} was under way, but the send worker stopped (its claim ran out on ${iso(row.leaseUntil)}); the message goes back to the queue and is tried again`);
      }
      return story('being_sent', `Being sent now: attempt ${tried}, claimed by a send worker${row.leaseUntil ? ` until ${iso(row.leaseUntil)} at the latest` : ''}`);
    }
    case 'queued': {
      const due = row.nextAttemptAt;
      const when = due.getTime() <= now.getTime() ? `it is due now (since ${iso(due)})` : `the next attempt is due on ${iso(due)}`;
      // a message held back by the rate limit gave its attempt back: `attempts` counts the ones that were made
      const held = row.lastReply === HELD_BACK_REPLY;
      const history = !row.lastReply ? ''
        : held ? `it was held back by the sending rate limit${on(row.lastReplyAt)} (that does not count as an attempt${tried > 0 ? `; ${plural(tried, 'attempt')} failed before` : ''})`
        : `${lastAttempt(row, tried)} (${plural(tried, 'attempt')} so far)`;
      if (send.status === 'paused') {
        return story('paused', `Not sent yet: the send was paused${on(send.pausedAt)}; this message waits in the outbox and goes out once the send is resumed${history ? `; before the pause, ${history}` : ''}`);
      }
      if (!row.lastReply && tried === 0) {
        return story('waiting', `Waiting in the outbox, not tried yet: it goes out when a send worker reaches it (${due.getTime() <= now.getTime() ? 'due since' : 'due on'} ${iso(due)})`);
      }
      const w = tried > 0 ? lastAttemptWindow({ attempts: tried, nextDue: due, policy: o.policy }) : null;
      const givesUp = w ? { afterAttempt: w.attempt, earliest: iso(w.earliest), latest: iso(w.latest) } : null;
      const end = !w ? ''
        : w.attempt === tried + 1 ? `; if that one fails with a temporary error too, it is given up`
        : `; if every attempt fails with a temporary error, it is given up after attempt ${w.attempt}, due between ${givesUp!.earliest} and ${givesUp!.latest}`;
      return story(held ? 'held_back' : 'retrying', `Not sent yet: ${history || `${plural(tried, 'attempt')} so far`}; ${when}${end}`, givesUp);
    }
    default:
      return story('waiting', `Outbox state: ${row.state}`);
  }
}
