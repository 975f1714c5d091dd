/**
 * The circuit breaker at work: after a hard bounce or a complaint is recorded for a send, its figures are read
 * again and, past a limit (actions.ts), the send and its campaign pause themselves with the reason kept.
 * A send trips once: after the operator resumes it, it runs to its end (they have seen the figures).
 */
import type { Kysely } from 'kysely';
import { setCampaignStatus, setSendStatus } from '../../campaigns/campaigns.repository.js';
import type { Database } from '../../db/schema.js';
import { checkCircuitBreaker } from '../actions.js';
import { breakerCounts, insertTrip, sentCount } from './intake.repository.js';

export type Trip = { sendId: number; campaignId: string; reason: 'hard_bounce_rate' | 'complaint_rate'; rate: number; threshold: number; sends: number };

/**
 * Whether the counts alone could ever trip the breaker: over at least 1,000 sends a rate above 5% needs more
 * than 50 hard bounces (0.3%: more than 3 complaints). Below that the count of sends, the costly part, is skipped.
 */
export function couldTrip(c: { hardBounces: number; complaints: number }, limits = BREAKER_LIMITS): boolean {
  return c.hardBounces > limits.minSends * limits.hardBounceRate || c.complaints > limits.minSends * limits.complaintRate;
}

/** The limits of actions.ts's `checkCircuitBreaker` (its defaults), named here for `couldTrip`. */
export const BREAKER_LIMITS = { minSends: 1000, hardBounceRate: 0.05, complaintRate: 0.003 };

export async function tripCircuitBreaker(options: { db: Kysely<Database>; sendId: number; now: Date }): Promise<Trip | undefined> {
  const { db, sendId, now } = options;
  const counts = await breakerCounts(db, sendId);
  if (!counts || counts.tripped || counts.status !== 'sending' || !couldTrip(counts)) return undefined;
  const f = { ...counts, sends: await sentCount(db, sendId) };
  const verdict = checkCircuitBreaker({ sends: f.sends, hardBounces: f.hardBounces, complaints: f.complaints }, BREAKER_LIMITS);
  if (!verdict.trip) return undefined;
  if (!(await setSendStatus(db, sendId, ['sending'], 'paused', now))) return undefined;
  await setCampaignStatus(db, f.workspaceId, f.campaignId, ['sending'], 'paused', now);
  await insertTrip(db, {
    workspaceId: f.workspaceId, sendId, campaignId: f.campaignId, reason: verdict.reason, rate: verdict.rate, threshold: verdict.limit,
    sends: f.sends, hardBounces: f.hardBounces, complaints: f.complaints, at: now,
  });
  return { sendId, campaignId: f.campaignId, reason: verdict.reason, rate: verdict.rate, threshold: verdict.limit, sends: f.sends };
}
