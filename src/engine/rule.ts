/**
 * What a policy pack is made of, and how a pack is compiled once at load time into bit masks and ready-made
 * reasons, so that evaluating a case allocates nothing per rule.
 */
import { CLOCKS, factIndex, ROUTE_CHANNELS, ROUTE_PURPOSES, type ClockName, type FactName } from './facts.js';
import { parseIsoDate } from './dates.js';
import type { Basis, Effect, PolicyPack, Reason, ReasonCode } from './types.js';

/**
 * One rule of a pack. It speaks when every fact of `when` holds and none of `unless` does, within its dates.
 * - `allow` rules name the `basis` they give; a pack sends only when one allow rule spoke and no block did.
 * - `block` rules block. With `otherwise: true` a block speaks only when no allow rule of the pack spoke (the
 *   reasons why no lawful basis was found).
 * - `warn` rules never change the verdict.
 */
export interface RuleSpec {
  id: string;
  code: ReasonCode;
  effect: Effect;
  when: readonly FactName[];
  unless?: readonly FactName[];
  basis?: Basis;
  otherwise?: boolean;
  /** In force from this date (ISO, inclusive): a dated rule. */
  from?: string;
  /** In force until this date (ISO, exclusive). */
  until?: string;
  /** A block rule that starts when this clock runs out (and never while the clock does not run). */
  after?: ClockName;
  /** An allow rule whose basis lasts only while this clock runs. */
  lapses?: ClockName;
  /** The sentence a marketer reads. */
  text: string;
  /** Where the rule comes from (seed, statute, guidance). */
  source: string;
}

export interface PackSpec {
  name: PolicyPack;
  title: string;
  rules: readonly RuleSpec[];
  /** Spoken when no allow rule spoke and no `otherwise` rule explained why. */
  noBasis: { id: string; text: string; source: string };
}

/** A rule ready to run: masks of its facts, dates as numbers, and the reason it gives (built once). */
export interface CompiledRule {
  readonly all0: number; readonly all1: number; readonly all2: number;
  readonly not0: number; readonly not1: number; readonly not2: number;
  readonly effect: Effect;
  readonly otherwise: boolean;
  readonly basisRank: number;
  readonly basis: Basis | null;
  readonly from: number;
  readonly until: number;
  /** Clock index or -1. */
  readonly after: number;
  readonly lapses: number;
  readonly reason: EngineReason;
  readonly spec: RuleSpec;
}

export interface CompiledPack {
  readonly name: PolicyPack;
  readonly rules: readonly CompiledRule[];
  /** The rules that can speak for each route (purpose × channel, see `routeOf`), in pack order. */
  readonly byRoute: readonly (readonly CompiledRule[])[];
  readonly noBasis: EngineReason;
}

/** The word-0 bits that a route alone decides (purpose, channel, electronic). */
function routeBits(route: number): { bits: number; decided: number } {
  const purpose = ROUTE_PURPOSES[Math.floor(route / ROUTE_CHANNELS.length)];
  const channel = ROUTE_CHANNELS[route % ROUTE_CHANNELS.length];
  const names: FactName[] = [purpose, channel];
  if (channel === 'email' || channel === 'sms' || channel === 'fax') names.push('electronic');
  let bits = 0;
  let decided = 0;
  for (const n of [...ROUTE_PURPOSES, ...ROUTE_CHANNELS, 'electronic'] as FactName[]) {
    const i = factIndex(n);
    if (i >= 32) throw new Error('route facts must sit in the first word');
    decided |= 1 << i;
    if (names.includes(n)) bits |= 1 << i;
  }
  return { bits, decided };
}

/** A reason with its JSON text made once, so that writing an answer is string concatenation. */
export class EngineReason implements Reason {
  readonly #json: string;
  constructor(
    readonly code: ReasonCode,
    readonly effect: Effect,
    readonly policy: PolicyPack,
    readonly rule: string,
    readonly text: string,
  ) {
    this.#json = JSON.stringify(this.toJSON());
  }

  toJSON(): Reason {
    return { code: this.code, effect: this.effect, policy: this.policy, rule: this.rule, text: this.text };
  }

  get json(): string {
    return this.#json;
  }
}

/** The strength of each basis; when several packs allow, the answer names the most demanding one. */
export const BASIS_RANK: Record<Basis, number> = {
  no_consent_required: 1, legitimate_interest: 2, implied_consent: 3, soft_opt_in: 4, consent: 5, service: 6,
};

function masks(names: readonly FactName[] | undefined): [number, number, number] {
  const m: [number, number, number] = [0, 0, 0];
  for (const n of names ?? []) {
    const i = factIndex(n);
    m[i >> 5] |= 1 << (i & 31);
  }
  return m;
}

function dateOf(text: string | undefined, fallback: number, where: string): number {
  if (text === undefined) return fallback;
  const ms = parseIsoDate(text);
  if (Number.isNaN(ms)) throw new Error(`${where}: bad date "${text}"`);
  return ms;
}

/** Checks a pack's rules and turns them into masks; a mistake in a pack fails at load, not on a case. */
export function compilePack(spec: PackSpec): CompiledPack {
  const rules = spec.rules.map((r): CompiledRule => {
    const where = `pack ${spec.name}, rule ${r.id}`;
    if (r.effect === 'allow' && r.basis === undefined) throw new Error(`${where}: an allow rule needs a basis`);
    if (r.effect !== 'allow' && (r.basis !== undefined || r.lapses !== undefined)) throw new Error(`${where}: only allow rules give a basis`);
    if (r.otherwise && r.effect !== 'block') throw new Error(`${where}: only block rules can be "otherwise"`);
    if (r.after !== undefined && r.effect !== 'block') throw new Error(`${where}: only block rules start after a clock`);
    const a = masks(r.when);
    const n = masks(r.unless);
    return {
      all0: a[0], all1: a[1], all2: a[2], not0: n[0], not1: n[1], not2: n[2],
      effect: r.effect,
      otherwise: r.otherwise === true,
      basisRank: r.basis === undefined ? 0 : BASIS_RANK[r.basis],
      basis: r.basis ?? null,
      from: dateOf(r.from, -Infinity, where),
      until: dateOf(r.until, Infinity, where),
      after: r.after === undefined ? -1 : CLOCKS.indexOf(r.after),
      lapses: r.lapses === undefined ? -1 : CLOCKS.indexOf(r.lapses),
      reason: new EngineReason(r.code, r.effect, spec.name, r.id, r.text),
      spec: r,
    };
  });
  const byRoute = Array.from({ length: ROUTE_PURPOSES.length * ROUTE_CHANNELS.length }, (_, route) => {
    const { bits, decided } = routeBits(route);
    return rules.filter((r) => (r.all0 & decided & ~bits) === 0 && (r.not0 & decided & bits) === 0);
  });
  return { name: spec.name, rules, byRoute, noBasis: new EngineReason('no_consent', 'block', spec.name, spec.noBasis.id, spec.noBasis.text) };
}
