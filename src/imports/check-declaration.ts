/**
 * Checks a declaration before a single row is read. The platform pack's own provenance rules decide (the rules
 * whose conditions name a source type or a third-party collector): an import whose declared provenance one of
 * them blocks is refused, naming the rule. Consent rules are left to each row's verdict.
 */
import { evaluate } from '../engine/evaluate.js';
import { platform } from '../engine/packs/platform.js';
import type { Declaration } from './declaration.js';
import { newContactCase } from './engine-case.js';

export type DeclarationRefusal = { rule: string; code: string; text: string };
export type DeclarationCheck = { ok: true } | { ok: false; reason: string; refusals: DeclarationRefusal[] };

const provenanceRules = new Set(
  platform.rules
    .filter((r) => r.effect === 'block' && r.when.some((f) => f.startsWith('source:') || f === 'collected_by_third_party'))
    .map((r) => r.id),
);

/** Refuses a declaration that the platform's provenance rules forbid, or whose dates make no sense. */
export function checkDeclaration(options: { declaration: Declaration; now: Date }): DeclarationCheck {
  const { declaration: d, now } = options;
  if (Date.parse(d.collectedAt) > now.getTime() + 24 * 3600_000) {
    return { ok: false, reason: `collectedAt ${d.collectedAt} is in the future`, refusals: [] };
  }
  const answer = evaluate(newContactCase({
    declaration: d,
    row: { email: 'declared.person@example.com', country: d.defaultCountry ?? 'DE', kind: d.defaultKind, birthDate: null, phone: null },
    at: now.getTime(),
    policies: ['platform'],
  }));
  const refusals = answer.reasons
    .filter((r) => r.effect === 'block' && provenanceRules.has(r.rule))
    .map((r) => ({ rule: r.rule, code: r.code, text: r.text }));
  if (refusals.length === 0) return { ok: true };
  const first = refusals[0];
  return { ok: false, reason: `source "${d.source}" is refused by rule ${first.rule} (${first.code}): ${first.text}`, refusals };
}
