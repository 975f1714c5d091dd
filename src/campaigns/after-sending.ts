/**
 * What came back after a recipient's message was submitted, said for a marketer asking "did this person get it?":
 * `sent` in the outbox only means the receiving server took it (Submitted ≠ Delivered). Pure: rows in, answer out.
 */
import type { AfterSendingRow } from './campaigns.repository.js';

export type AfterSendingEvent =
  | { event: 'bounce'; type: 'hard' | 'soft' | 'sender_problem'; at: string; status: string | null; reply: string | null; reason: string; effect: string; via: string }
  | { event: 'delay_notice' | 'returned_mail'; at: string; status: string | null; reply: string | null; reason: string; via: string }
  | { event: 'complaint'; at: string; reason: string; effect: string; via: string }
  | { event: 'unsubscribe'; at: string; via: string };

const bounceTypes: Record<string, 'hard' | 'soft' | 'sender_problem'> = { suppress_hard: 'hard', count_soft: 'soft', sender_problem: 'sender_problem' };

/** The stored rows as events, oldest first. */
export function afterSendingEvents(rows: readonly AfterSendingRow[]): AfterSendingEvent[] {
  return rows.map((r): AfterSendingEvent => {
    const at = r.at.toISOString();
    const status = r.status || null;
    const reply = r.diagnostic || null;
    // the intake's source: 'sending' is a refusal during the SMTP session, the others a returned mail or event
    const via = r.source;
    if (bounceTypes[r.action]) return { event: 'bounce', type: bounceTypes[r.action], at, status, reply, reason: r.reason, effect: r.effect, via };
    if (r.action === 'complaint') return { event: 'complaint', at, reason: r.reason, effect: r.effect, via };
    if (r.action === 'unsubscribe') return { event: 'unsubscribe', at, via };
    // the intake does nothing for a delivery report, an automatic reply, a feedback report of another type, or
    // a delay notice (`action: delayed`, whose reason is then any word, `expired` most often)
    const other = r.reason === 'delivered' || r.reason === 'vacation' || r.reason === 'feedback';
    return { event: other ? 'returned_mail' : 'delay_notice', at, status, reply, reason: r.reason, via };
  });
}

/**
 * The summary: the outbox sentence (outbox-story.ts), then what came back, in order ("Sent (…), then bounced (hard,
 * 5.1.1) on …"). `events` are those to tell after it: the refusal during sending is the outbox sentence's own.
 */
export function afterSendingSummary(o: { outbox: string; submitted: boolean; events: readonly AfterSendingEvent[] }): string {
  const first = o.outbox;
  if (o.events.length === 0) return o.submitted ? `${first}; nothing came back since.` : `${first}.`;
  const parts = o.events.map((e) => {
    switch (e.event) {
      case 'bounce': {
        const what = e.type === 'sender_problem' ? 'refused because of the sender (the address was not suppressed)' : `bounced (${e.type}${e.status ? `, ${e.status}` : ''})`;
        return `${what} on ${e.at}${e.reply ? `: ${e.reply}` : ''}`;
      }
      case 'delay_notice': return `a delay notice on ${e.at} (still being tried)`;
      case 'returned_mail': return `a returned mail (${e.reason}) on ${e.at}`;
      case 'complaint': return `complained (marked it as spam) on ${e.at}`;
      case 'unsubscribe': return `unsubscribed through this mail on ${e.at}`;
    }
  });
  return `${first}, then ${parts.join('; then ')}.`;
}

/**
 * The progress counts of what came back, by recipient: bounced (hard, soft), sender problems, complaints,
 * unsubscribes, delay notices (`delayed`, told apart as `afterSendingEvents` does), and other returned mail
 * (delivery reports, automatic replies, other feedback: `none`).
 */
export function afterSendingCounts(byAction: Readonly<Record<string, number>>) {
  const n = (k: string) => byAction[k] ?? 0;
  return { hardBounced: n('suppress_hard'), softBounced: n('count_soft'), senderProblems: n('sender_problem'), complained: n('complaint'), unsubscribed: n('unsubscribe'), delayNotices: n('delayed'), otherReturnedMail: n('none') };
}
