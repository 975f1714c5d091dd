/**
 * The circuit breaker at work: after a hard bounce or a complaint is recorded for a send, its figures are read
 * again and, past a limit (actions.ts), the send and its campaign pause themselves with the reason kept.
 * A send trips once: after the operator resumes it, it runs to its end (they have seen the figures).
 */
import type { Kysely } from 'kysely';
import { setCampaignStatus, setSendStatus } from '../../campaigns/campaigns.repository.js';
import type { Database } from '../../db/schema.js';
import { checkCircuitBreaker } from '../actions.js';
import { breakerFigures, insertTrip } from './intake.repository.js';

export type Trip = { sendId: number; campaignId: string; reason: 'hard_bounce_rate' | 'complaint_rate'; rate: number; threshold: number; sends: number };

export async function tripCircuitBreaker(options: { db: Kysely<Database>; sendId: number; now: Date }): Promise<Trip | undefined> {
  const { db, sendId, now } = options;
  const f = await breakerFigures(db, sendId);
  if (!f || f.tripped || f.status !== 'sending') return undefined;
  const verdict = checkCircuitBreaker({ sends: f.sends, hardBounces: f.hardBounces, complaints: f.complaints });
  if (!verdict.trip) return undefined;
  if (!(await setSendStatus(db, sendId, ['sending'], 'paused', now))) return undefined;
  await setCampaignStatus(db, f.workspaceId, f.campaignId, ['sending'], 'paused', now);
  await insertTrip(db, {
    workspaceId: f.workspaceId, sendId, campaignId: f.campaignId, reason: verdict.reason, rate: verdict.rate, threshold: verdict.limit,
    sends: f.sends, hardBounces: f.hardBounces, complaints: f.complaints, at: now,
  });
  return { sendId, campaignId: f.campaignId, reason: verdict.reason, rate: verdict.rate, threshold: verdict.limit, sends: f.sends };
}
