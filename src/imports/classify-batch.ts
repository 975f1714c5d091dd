/**
 * Decides what happens to each checked row of a batch once the workspace's data is known: suppressed, erased,
 * already imported, or imported (new contact or an existing one) with the engine's verdict. Pure; the verdict
 * functions are passed in.
 */
import type { RowCandidate, RowLeaver } from './check-row.js';
import { cameBack, type Confirmation } from './leaver-return.js';
import type { RowOutcome } from './report.js';

export type Verdict = { send: boolean; codes: string[] };
/** An existing contact; `evidence` says which import and line gave it this provenance's consent event, if any. */
export type KnownContact = {
  id: string; email: string; evidence: { importId: number; line: number | null } | null; member: boolean; suppressed: boolean; hardBounced: boolean;
};

export type BatchPlan = {
  /** Rows that become new contacts. */
  create: RowCandidate[];
  /** Existing contacts that get the consent event and the list membership. */
  attach: { contactId: string; row: RowCandidate }[];
  /** Rows the file marks as gone, to record as suppressions (an erased address is left alone: its tombstone holds). */
  leavers: RowLeaver[];
  outcomes: RowOutcome[];
};

// What a tombstone's reasons say of the person, besides the erasure itself.
const HAD: Record<string, string> = {
  unsubscribe: 'unsubscribed', objection: 'objected', complaint: 'complained', hard_bounce: 'hard-bounced', manual: 'been blocked by the sender',
};

/** "the address was erased here (it had unsubscribed before); …": the erasure named first, then why it was suppressed. */
export function erasedReason(reasons: readonly string[]): string {
  const had = [...new Set(reasons.filter((r) => r !== 'erasure').map((r) => HAD[r] ?? r))];
  return `the address was erased here${had.length > 0 ? ` (it had ${had.join(' and ')} before)` : ''}; its tombstone keeps it from being imported again`;
}

export function classifyBatch(options: {
  candidates: readonly RowCandidate[];
  /** The batch's rows that the file marks as gone. */
  leavers?: readonly RowLeaver[];
  /**
   * Lower-cased address → the person's own confirmed double opt-in here (the latest, while no suppression is in
   * force): a file's older unsubscribe does not suppress them (leaver-return.ts).
   */
  confirmations?: ReadonlyMap<string, Confirmation>;
  /** Now (ms), for the dates a file gives. */
  now?: number;
  /** Keyed by the lower-cased address: the workspace's addresses are unique whatever their case. */
  existing: ReadonlyMap<string, KnownContact>;
  /** Address → its tombstone's reasons (suppression reasons: erasure, unsubscribe…), for erased addresses. */
  tombstoned: ReadonlyMap<string, readonly string[]>;
  verdictNew: (row: RowCandidate) => Verdict;
  verdictExisting: (row: RowCandidate, contact: KnownContact) => Verdict;
  /** This import, to tell an earlier line of the same file from an earlier import. */
  importId: number;
}): BatchPlan {
  const plan: BatchPlan = { create: [], attach: [], leavers: [], outcomes: [] };
  for (const row of options.leavers ?? []) {
    const confirmation = options.confirmations?.get(row.email.toLowerCase()) ?? null;
    const back = cameBack({ left: row.left, leftAt: row.leftAt, confirmation, now: options.now ?? Date.now() });
    // Consent first: the person confirmed here after the file's unsubscribe; the row neither suppresses nor adds.
    if (back !== null) plan.outcomes.push({ outcome: 'duplicate', line: row.line, email: row.email, reason: back });
    else {
      plan.outcomes.push({ outcome: 'suppressed', line: row.line, email: row.email, reason: row.reason });
      // An erased address gets no contact back, not even a suppressed one: its tombstone already keeps it out.
      if (!options.tombstoned.has(row.email)) plan.leavers.push(row);
    }
  }
  const imported = (row: RowCandidate, v: Verdict) => {
    plan.outcomes.push(v.send ? { outcome: 'eligible', line: row.line, email: row.email } : { outcome: 'blocked', line: row.line, email: row.email, codes: v.codes });
  };
  for (const row of options.candidates) {
    const tomb = options.tombstoned.get(row.email);
    const known = options.existing.get(row.email.toLowerCase());
    // Never raise protection: an erased, suppressed or hard-bounced address is not touched by an import.
    if (tomb !== undefined) {
      plan.outcomes.push({ outcome: 'suppressed', line: row.line, email: row.email, reason: erasedReason(tomb) });
    } else if (known?.suppressed) {
      plan.outcomes.push({ outcome: 'suppressed', line: row.line, email: row.email, reason: 'the contact is suppressed (unsubscribed, complained, bounced or blocked); an import never lifts that' });
    } else if (known?.hardBounced) {
      plan.outcomes.push({ outcome: 'suppressed', line: row.line, email: row.email, reason: 'the address hard-bounced; an import never makes it mailable again' });
    } else if (known && known.evidence && known.member) {
      const { importId, line } = known.evidence;
      const reason = importId === options.importId && line !== null ? `duplicate of line ${line} in this file`
        : `already in this list with the same provenance (import ${importId}${line !== null ? `, line ${line}` : ''})`;
      plan.outcomes.push({ outcome: 'duplicate', line: row.line, email: row.email, reason });
    } else if (known) {
      plan.attach.push({ contactId: known.id, row });
      imported(row, options.verdictExisting(row, known));
    } else {
      plan.create.push(row);
      imported(row, options.verdictNew(row));
    }
  }
  return plan;
}
