/**
 * Facts: everything the policy packs ask about a case, as named yes/no flags plus a few clocks (computed once
 * per case by compute-facts.ts). Packs are data over these names (see rule.ts), so a pack never reads the case.
 * Flags are kept as bits of three 32-bit words so that a rule test is six integer operations and the hot path
 * allocates nothing; the one `Facts` object is reused from case to case.
 */
import { addMonths } from './dates.js';
import type { Channel, Purpose } from './types.js';
import { SOURCE_TYPES } from './types.js';

export const FACTS = [
  // the message
  'marketing', 'service', 'email', 'sms', 'phone', 'post', 'fax',
  /** email, sms or fax: the "electronic mail" of the ePrivacy Directive */
  'electronic',
  // who receives it
  'consumer', 'sole_trader', 'partnership', 'corporate',
  /** any kind but consumer */
  'b2b',
  /** consumer, sole trader or partnership: a natural person (PECR's "individual subscriber") */
  'individual',
  /** channel email and the local part names a role (sales@, info@, no-reply@ …) */
  'role_address',
  // where the address came from
  ...SOURCE_TYPES.map((t) => `source:${t}` as const),
  'collected_by_third_party', 'collected_for_us', 'client_attested',
  /** co-registration with more than ten sponsors */
  'sponsors_over_limit',
  /** co-registration whose sponsors were not named at sign-up */
  'sponsors_unnamed',
  /** a legitimate-interest record with a reason (the provenance of B2B-03) */
  'li_recorded', 'li_role_relevant', 'li_not_role_relevant', 'li_informed',
  // suppressions in force for this channel and purpose
  'unsubscribed', 'objected', 'complained', 'erased', 'suppressed_hard_bounce', 'suppressed_manually',
  // delivery (email only)
  'hard_bounced', 'soft_bounce_limit',
  // consents in force for the message's channel at the moment
  /** double opt-in, confirmed, with evidence */
  'consent_doi',
  /** double opt-in, confirmed, no evidence kept */
  'consent_doi_no_evidence',
  /** single opt-in (or a double opt-in never confirmed), with evidence */
  'consent_single',
  'consent_single_no_evidence',
  /** signed form or written permission, kept */
  'consent_written',
  'consent_written_no_evidence',
  /** verbal consent with the script read and kept */
  'consent_verbal_scripted',
  /** verbal consent with a record (a recording, a note) */
  'consent_verbal',
  'consent_verbal_no_evidence',
  'consent_pre_ticked', 'consent_terms_only', 'consent_conditional',
  /** any affirmative consent with evidence (GDPR Art 7(1): the controller can prove it) */
  'consent_provable',
  /** an affirmative consent with nothing kept to prove it */
  'consent_unprovable',
  /** single opt-in, with or without evidence */
  'consent_single_any',
  /** verbal or verbal_scripted, with or without evidence */
  'consent_verbal_any',
  // soft opt-in (purchase_notice)
  /** completed sale + notice with a way to object + message categories within what was bought + collected by us */
  'soft_opt_in',
  /** the same after negotiations for a sale (an inquiry): UK PECR 22(3) */
  'soft_opt_in_negotiation',
  /** a notice and a sale exist, but the message promotes other categories */
  'soft_opt_in_out_of_scope',
  /** a notice without any sale or inquiry (an account alone is not a sale) */
  'notice_without_sale',
  // CASL
  /** CASL implied consent existed (purchase, inquiry, membership) and every clock has run out */
  'implied_consent_lapsed',
  /** address published or handed over (web_scrape, business_card) and the message fits the person's role */
  'published_role_relevant',
  // the workspace's settings
  /** the workspace leaves B2B email without consent to the contact's law (setting b2b_cold_email, RULES.md C-1) */
  'policy_b2b_jurisdictional',
  // national do-not-call registries
  'bloctel', 'tps', 'dncl',
  // age at the moment
  'under_13', 'under_15', 'under_16', 'under_18',
  // clocks
  /** within the last 90 days of the 3-year inactivity window */
  'inactivity_ending',
  /** an offline sign-up older than 90 days that has not been mailed yet */
  'late_first_message',
] as const;

export type FactName = (typeof FACTS)[number];

export const CLOCKS = ['inactivity', 'implied_purchase', 'implied_inquiry', 'implied_membership'] as const;
export type ClockName = (typeof CLOCKS)[number];

const INDEX = new Map<string, number>(FACTS.map((name, i) => [name, i]));
if (FACTS.length > 96) throw new Error('facts: more than 96 flags; widen Facts');

/** Bit position of a fact; throws on a name that is not a fact (packs are checked when they load). */
export function factIndex(name: string): number {
  const i = INDEX.get(name);
  if (i === undefined) throw new Error(`unknown fact "${name}"`);
  return i;
}

/**
 * A case's route: its purpose × channel pair, 10 in all. Packs keep one rule list per route (rule.ts), so a
 * case never tests rules that cannot apply to its kind of message.
 */
export const ROUTE_PURPOSES = ['marketing', 'service'] as const;
export const ROUTE_CHANNELS = ['email', 'sms', 'phone', 'post', 'fax'] as const;

export function routeOf(purpose: Purpose, channel: Channel): number {
  return (purpose === 'marketing' ? 0 : ROUTE_CHANNELS.length) + ROUTE_CHANNELS.indexOf(channel);
}

/** Months each clock runs from its anchor: inactivity 3 years, CASL implied consent 2 years / 6 months / 2 years. */
const CLOCK_MONTHS = [36, 24, 6, 24];

export class Facts {
  w0 = 0;
  w1 = 0;
  w2 = 0;
  /** Purpose × channel, see `routeOf`. */
  route = 0;
  /** When each clock started (NaN: it does not run). */
  readonly anchors = new Float64Array(CLOCKS.length);
  readonly #ends = new Float64Array(CLOCKS.length);
  #computed = 0;

  set(i: number): void {
    if (i < 32) this.w0 |= 1 << i;
    else if (i < 64) this.w1 |= 1 << (i - 32);
    else this.w2 |= 1 << (i - 64);
  }

  reset(): void {
    this.w0 = 0; this.w1 = 0; this.w2 = 0;
    this.#computed = 0;
    const a = this.anchors;
    a[0] = NaN; a[1] = NaN; a[2] = NaN; a[3] = NaN;
  }

  /** Epoch ms when clock `i` runs out, NaN when it does not run; worked out on first use only. */
  clock(i: number): number {
    if ((this.#computed & (1 << i)) === 0) {
      const anchor = this.anchors[i];
      this.#ends[i] = Number.isNaN(anchor) ? NaN : addMonths(anchor, CLOCK_MONTHS[i]);
      this.#computed |= 1 << i;
    }
    return this.#ends[i];
  }
}
