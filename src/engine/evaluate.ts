/**
 * The eligibility engine: may this message go to this contact at this moment, on what basis, and why.
 * Pure: everything, the moment included, comes from the case. Every pack named by the case must allow the
 * message; the answer lists every rule that spoke in every pack.
 */
import { computeFacts } from './compute-facts.js';
import { Facts } from './facts.js';
import { PACKS } from './packs/index.js';
import { BASIS_RANK, EngineReason, type CompiledPack, type CompiledRule } from './rule.js';
import type { Answer, AnswerJson, Basis, ParsedCase, Reason } from './types.js';

// One scratch object for the facts: evaluate() runs to completion synchronously, so it is never shared.
const scratch = new Facts();

interface PackOutcome {
  blocked: boolean;
  basis: Basis | null;
  /** When this pack stops allowing the send (Infinity: no clock runs). */
  until: number;
}

// runPack's result, reused rather than allocated per pack (the hot path allocates only the answer).
const outcome: PackOutcome = { blocked: false, basis: null, until: Infinity };

/** Every fact of the rule's `when` holds and none of its `unless`. */
function applies(r: CompiledRule, w0: number, w1: number, w2: number): boolean {
  return (w0 & r.all0) === r.all0 && (w1 & r.all1) === r.all1 && (w2 & r.all2) === r.all2
    && (w0 & r.not0) === 0 && (w1 & r.not1) === 0 && (w2 & r.not2) === 0;
}

function runPack(pack: CompiledPack, f: Facts, at: number, reasons: Reason[]): void {
  const w0 = f.w0, w1 = f.w1, w2 = f.w2;
  let blocked = false;
  let rank = 0;
  let basis: Basis | null = null;
  let basisEnd = -Infinity;
  let laterBlock = Infinity;
  let otherwiseStart = -1;
  const rules = pack.byRoute[f.route];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (!applies(r, w0, w1, w2) || at >= r.until) continue;
    if (r.otherwise) {
      if (otherwiseStart < 0) otherwiseStart = i;
      continue;
    }
    if (r.effect === 'block') {
      const start = r.after < 0 ? r.from : Math.max(r.from, f.clock(r.after));
      if (Number.isNaN(start)) continue; // its clock does not run
      if (at < start) { if (start < laterBlock) laterBlock = start; continue; }
      blocked = true;
      reasons.push(r.reason);
    } else if (r.effect === 'allow') {
      if (at < r.from) continue;
      let end = r.until;
      if (r.lapses >= 0) {
        const lapse = f.clock(r.lapses);
        if (!(at < lapse)) continue; // the clock does not run, or has run out
        if (lapse < end) end = lapse;
      }
      if (end > basisEnd) basisEnd = end;
      if (r.basisRank > rank) { rank = r.basisRank; basis = r.basis; }
      reasons.push(r.reason);
    } else if (at >= r.from) {
      reasons.push(r.reason);
    }
  }
  // No lawful path: say why, with the specific rules if any spoke, else the pack's general one.
  if (basis === null && !blocked) {
    let spoke = false;
    if (otherwiseStart >= 0) {
      for (let i = otherwiseStart; i < rules.length; i++) {
        const r = rules[i];
        if (!r.otherwise || at < r.from || at >= r.until || !applies(r, w0, w1, w2)) continue;
        reasons.push(r.reason);
        spoke = true;
      }
    }
    if (!spoke) reasons.push(pack.noBasis);
    blocked = true;
  }
  outcome.blocked = blocked;
  outcome.basis = basis;
  outcome.until = Math.min(basisEnd, laterBlock);
}

/** Decides one case. */
export function evaluate(c: ParsedCase): Answer {
  const f = computeFacts(c, scratch);
  const reasons: Reason[] = [];
  let blocked = false;
  let basis: Basis | null = null;
  let until = Infinity;
  const policies = c.policies;
  for (let i = 0; i < policies.length; i++) {
    runPack(PACKS[policies[i]], f, c.at, reasons);
    if (outcome.blocked) blocked = true;
    else {
      if (basis === null || BASIS_RANK[outcome.basis!] > BASIS_RANK[basis]) basis = outcome.basis;
      if (outcome.until < until) until = outcome.until;
    }
  }
  if (blocked) return { id: c.id, verdict: 'block', basis: null, reasons, validUntil: null };
  return { id: c.id, verdict: 'send', basis, reasons, validUntil: until === Infinity ? null : until };
}

function plainReason(r: Reason): Reason {
  return r instanceof EngineReason ? r.toJSON() : { code: r.code, effect: r.effect, policy: r.policy, rule: r.rule, text: r.text };
}

/** The contract's JSON answer (`id` left out when the case had none). */
export function answerToJson(a: Answer): AnswerJson {
  const json: AnswerJson = {
    verdict: a.verdict,
    basis: a.basis,
    reasons: a.reasons.map(plainReason),
    validUntil: a.validUntil === null ? null : new Date(a.validUntil).toISOString(),
  };
  return a.id === null ? json : { id: a.id, ...json };
}

/** The answer as one line of JSON, written by concatenation: reasons carry their JSON text ready-made. */
export function answerLine(a: Answer): string {
  let out = a.id === null ? '{"verdict":"' : `{"id":${JSON.stringify(a.id)},"verdict":"`;
  out += a.verdict;
  out += a.basis === null ? '","basis":null,"reasons":[' : `","basis":"${a.basis}","reasons":[`;
  const reasons = a.reasons;
  for (let i = 0; i < reasons.length; i++) {
    const r = reasons[i];
    if (i > 0) out += ',';
    out += r instanceof EngineReason ? r.json : JSON.stringify(plainReason(r));
  }
  out += a.validUntil === null ? '],"validUntil":null}' : `],"validUntil":"${new Date(a.validUntil).toISOString()}"}`;
  return out;
}
