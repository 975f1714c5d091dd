/**
 * The engine's verdict on imported rows, for a marketing email at the moment of import. New contacts differ
 * only in what the engine reads of a row (country, kind, birth date, role address), so their verdicts are
 * memoised on exactly those; an existing contact is judged on its whole stored history plus the new consent.
 */
import { toEngineContact } from '../contacts/to-engine-contact.js';
import type { EngineData } from '../contacts/contacts.repository.js';
import { evaluate } from '../engine/evaluate.js';
import { parseCase } from '../engine/parse-case.js';
import type { Answer, WorkspacePolicy } from '../engine/types.js';
import type { RowCandidate } from './check-row.js';
import type { Verdict } from './classify-batch.js';
import type { Declaration } from './declaration.js';
import { declaredConsent, newContactCase } from './engine-case.js';

function toVerdict(answer: Answer): Verdict {
  if (answer.verdict === 'send') return { send: true, codes: [] };
  const codes = [...new Set(answer.reasons.filter((r) => r.effect === 'block').map((r) => r.code))];
  return { send: false, codes };
}

/**
 * The engine's verdict on one row that becomes a new contact, evaluated afresh (the memo's reference), under the
 * importing workspace's settings (RULES.md C-1; the platform's strictest when none are given).
 */
export function newContactVerdict(declaration: Declaration, row: RowCandidate, at: number, workspacePolicy?: Readonly<WorkspacePolicy>): Verdict {
  return toVerdict(evaluate(newContactCase({ declaration, row, at, workspacePolicy })));
}

/**
 * A memoising verdict function for rows that become new contacts, for one declaration and moment. The key is
 * every part of a row the engine reads for a marketing email (verdicts.test.ts checks it against the fresh path).
 */
export function newContactVerdicts(declaration: Declaration, at: number, workspacePolicy?: Readonly<WorkspacePolicy>): (row: RowCandidate) => Verdict {
  const memo = new Map<string, Verdict>();
  return (row) => {
    const key = `${row.country}|${row.kind}|${row.birthDate ?? ''}|${row.role ? 1 : 0}`;
    let v = memo.get(key);
    if (!v) {
      v = newContactVerdict(declaration, row, at, workspacePolicy);
      memo.set(key, v);
    }
    return v;
  };
}

/** The verdict on an existing contact once the import's consent event is added to its history. */
export function existingContactVerdict(declaration: Declaration, data: EngineData, at: number, workspacePolicy?: Readonly<WorkspacePolicy>): Verdict {
  const parsed = parseCase({ contact: toEngineContact(data), message: { channel: 'email', purpose: 'marketing' } }, { at, workspacePolicy });
  if (!parsed.ok) return { send: false, codes: ['invalid_input'] };
  const c = parsed.case;
  return toVerdict(evaluate({ ...c, contact: { ...c.contact, consents: [...c.contact.consents, declaredConsent(declaration)] } }));
}
