/**
 * Which suppressions may ever be lifted, and by what. Pure rules: nothing lowers protection except the
 * person's own fresh, confirmed double opt-in, and even that never lifts a complaint or a hard bounce.
 */
import type { SuppressionReason } from '../db/schema.js';

/** Reasons a person's own new double opt-in lifts (they asked to stop; they may ask to start again). */
export const liftableByPerson: ReadonlySet<SuppressionReason> = new Set(['unsubscribe', 'objection', 'erasure']);

/** Only staff-made manual suppressions may be lifted by staff (an admin); every other reason stays. */
export const liftableByStaff: ReadonlySet<SuppressionReason> = new Set(['manual']);

export type PersonConsent = { method: string; at: Date; confirmedAt: Date | null; channel: string };

/** The suppressions (by id) that this consent lifts: a confirmed double opt-in given after them, same channel. */
export function suppressionsLiftedBy(consent: PersonConsent, suppressions: { id: string; reason: SuppressionReason; at: Date; channel: string }[]): string[] {
  if (consent.method !== 'double_opt_in' || !consent.confirmedAt) return [];
  return suppressions
    .filter((s) => liftableByPerson.has(s.reason) && s.at.getTime() < consent.at.getTime() && (s.channel === 'all' || s.channel === consent.channel))
    .map((s) => s.id);
}
