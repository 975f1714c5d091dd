import type { RecipientReport } from './types.js';

/** What intake does with one reported recipient. */
export type BounceAction = 'suppress_hard' | 'count_soft' | 'sender_problem' | 'complaint' | 'unsubscribe' | 'none';

// Refusals that are about the sender (reputation, policy, authentication), never about the recipient's address.
const SENDER_REASONS = new Set(['blocked', 'spamdetected', 'authfailure', 'badreputation', 'policyviolation', 'requireptr', 'securityerror', 'norelaying', 'virusdetected', 'contenterror', 'notcompliantrfc', 'failedstarttls', 'speeding', 'ratelimited', 'toomanyconn']);

/**
 * Decides what a reported recipient means for us (issue 7): a dead address is suppressed at once, a policy or
 * reputation refusal is the sender's problem and never suppresses, a complaint or opt-out acts on consent.
 */
export function decideAction(recipient: Pick<RecipientReport, 'action' | 'status' | 'reason' | 'hard' | 'feedbackType'>): BounceAction {
  if (recipient.reason === 'feedback' || recipient.action === 'complained') {
    if (recipient.feedbackType === 'opt-out') return 'unsubscribe';
    if (recipient.feedbackType === 'abuse' || recipient.feedbackType === 'fraud' || recipient.feedbackType === undefined) return 'complaint';
    return 'none';
  }
  if (recipient.reason === 'delivered' || recipient.reason === 'vacation' || recipient.action === 'delayed') return 'none';
  if (/^[45]\.7\./.test(recipient.status) || SENDER_REASONS.has(recipient.reason)) return 'sender_problem';
  if (recipient.hard) return 'suppress_hard';
  return 'count_soft';
}

/** Soft-bounce threshold per workspace: N soft bounces within D days suppress (default 3 in 30). */
export interface SoftBouncePolicy { count: number; days: number }
export const DEFAULT_SOFT_BOUNCE_POLICY: SoftBouncePolicy = Object.freeze({ count: 3, days: 30 });

/** Whether the soft bounces of one address, at the given instants, reach the threshold by `now`. */
export function softBounceLimitReached(options: { bounces: readonly Date[]; now: Date; policy?: SoftBouncePolicy }): boolean {
  const policy = options.policy ?? DEFAULT_SOFT_BOUNCE_POLICY;
  const since = options.now.getTime() - policy.days * 86_400_000;
  const recent = options.bounces.filter((at) => at.getTime() > since && at.getTime() <= options.now.getTime());
  return recent.length >= policy.count;
}

/** The figures of one campaign the circuit breaker looks at. */
export interface CampaignCounts { sends: number; hardBounces: number; complaints: number }

export type BreakerVerdict = { trip: false } | { trip: true; reason: 'hard_bounce_rate' | 'complaint_rate'; rate: number; limit: number };

/**
 * The circuit breaker: a campaign pauses when its hard-bounce rate passes 5% or its complaint rate passes 0.3%
 * (Gmail's limit), judged only over at least 1,000 sends so that a handful of early bounces cannot trip it.
 */
export function checkCircuitBreaker(counts: CampaignCounts, limits = { minSends: 1000, hardBounceRate: 0.05, complaintRate: 0.003 }): BreakerVerdict {
  if (counts.sends < limits.minSends) return { trip: false };
  const hardRate = counts.hardBounces / counts.sends;
  if (hardRate > limits.hardBounceRate) return { trip: true, reason: 'hard_bounce_rate', rate: hardRate, limit: limits.hardBounceRate };
  const complaintRate = counts.complaints / counts.sends;
  if (complaintRate > limits.complaintRate) return { trip: true, reason: 'complaint_rate', rate: complaintRate, limit: limits.complaintRate };
  return { trip: false };
}
