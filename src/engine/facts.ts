/**
 * Facts: everything the policy packs ask about a case, computed once per case as named yes/no flags plus a few
 * clocks. Packs are data over these names (see rule.ts), so a pack never reads the case itself.
 * Flags are kept as bits of three 32-bit words so that a rule test is six integer operations and the hot path
 * allocates nothing; the one `Facts` object is reused from case to case.
 */
import { isRoleAddress } from './address.js';
import { addDays, addMonths, ageAt } from './dates.js';
import type { Channel, Consent, ParsedCase, Purpose, SourceType } from './types.js';
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

  has(name: FactName): boolean {
    const i = factIndex(name);
    const w = i < 32 ? this.w0 : i < 64 ? this.w1 : this.w2;
    return (w & (1 << (i & 31))) !== 0;
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

const F = Object.fromEntries(FACTS.map((n, i) => [n, i])) as Record<FactName, number>;
// Maps rather than keyed loads on the 90-name object: the key varies from case to case.
const SOURCE_BIT = new Map<SourceType, number>(SOURCE_TYPES.map((t) => [t, F[`source:${t}`]]));
const CHANNEL_BIT = new Map<string, number>(['email', 'sms', 'phone', 'post', 'fax'].map((c) => [c, F[c as FactName]]));
const KIND_BIT = new Map<string, number>(['consumer', 'sole_trader', 'partnership', 'corporate'].map((k) => [k, F[k as FactName]]));
const DAY = 86_400_000;
/** Below these ages no clock can have run out: a cheap test that spares the calendar arithmetic. */
const INACTIVITY_SURELY_RUNNING = 1000 * DAY;
const IMPLIED_SURELY_RUNNING = 181 * DAY;
const INACTIVITY_WARNING_DAYS = 90;
const LATE_FIRST_MESSAGE_DAYS = 90;
const SOFT_BOUNCE_LIMIT = 3;
const POLICY_STATUS = /^[45]\.7\./;

function inForce(c: Consent, channel: string, at: number): boolean {
  return c.channel === channel && c.at <= at && (c.withdrawnAt === null || c.withdrawnAt > at);
}

/** Fills `f` with the facts of case `c` (pure: everything comes from the case, the moment included). */
export function computeFacts(c: ParsedCase, f: Facts): Facts {
  f.reset();
  const at = c.at;
  const m = c.message;
  const k = c.contact;
  const ch = m.channel;
  const marketing = m.purpose === 'marketing';

  f.route = routeOf(m.purpose, ch);
  f.set(marketing ? F.marketing : F.service);
  f.set(CHANNEL_BIT.get(ch)!);
  if (ch === 'email' || ch === 'sms' || ch === 'fax') f.set(F.electronic);
  f.set(KIND_BIT.get(k.kind)!);
  if (k.kind !== 'corporate') f.set(F.individual);
  if (k.kind !== 'consumer') f.set(F.b2b);
  if (ch === 'email' && k.email !== null && (k.roleAddress ?? isRoleAddress(k.email))) f.set(F.role_address);

  const s = k.source;
  f.set(SOURCE_BIT.get(s.type)!);
  if (s.collectedBy === 'third_party') f.set(F.collected_by_third_party);
  else if (s.collectedBy === 'third_party_for_us') f.set(F.collected_for_us);
  if (s.clientAttested) f.set(F.client_attested);
  if (s.sponsors !== null) {
    if (s.sponsors.count > 10) f.set(F.sponsors_over_limit);
    if (!s.sponsors.named) f.set(F.sponsors_unnamed);
  } else if (s.type === 'co_registration') f.set(F.sponsors_unnamed);
  const li = s.legitimateInterest;
  if (li !== null) {
    if (li.reason !== null && li.reason.trim() !== '') f.set(F.li_recorded);
    f.set(li.roleRelevant ? F.li_role_relevant : F.li_not_role_relevant);
    if (li.informedAtCollection) f.set(F.li_informed);
  }

  for (let ix = 0; ix < k.suppressions.length; ix++) {
    const x = k.suppressions[ix];
    if (x.at > at) continue;
    // An objection or an erasure covers every channel (GDPR Art 21(3), Art 17); erasure ends service mail too.
    const everyChannel = x.reason === 'objection' || x.reason === 'erasure';
    if (!everyChannel && x.channel !== 'all' && x.channel !== ch) continue;
    if (!marketing && x.scope !== 'all_mail' && x.reason !== 'erasure') continue;
    f.set(x.reason === 'unsubscribe' ? F.unsubscribed : x.reason === 'objection' ? F.objected
      : x.reason === 'complaint' ? F.complained : x.reason === 'erasure' ? F.erased
      : x.reason === 'hard_bounce' ? F.suppressed_hard_bounce : F.suppressed_manually);
  }

  // Engagement: what shows the person's interest. An open never counts (CNIL; tracking pixels are unreliable).
  let lastEngagement = s.at !== null && s.at <= at ? s.at : -Infinity;
  let anyContactSinceCollection = false;
  for (let ia = 0; ia < k.activity.length; ia++) {
    const a = k.activity[ia];
    if (a.at > at) continue;
    if (s.at !== null && a.at >= s.at) anyContactSinceCollection = true;
    if (a.type !== 'open' && a.at > lastEngagement) lastEngagement = a.at;
  }

  let lastPurchase = -Infinity;
  for (let ip = 0; ip < k.purchases.length; ip++) {
    const p = k.purchases[ip];
    if (p.at <= at && p.at > lastPurchase) lastPurchase = p.at;
  }
  let lastInquiry = -Infinity;
  for (let iq = 0; iq < k.inquiries.length; iq++) {
    const q = k.inquiries[iq];
    if (q.at <= at && q.at > lastInquiry) lastInquiry = q.at;
  }
  if (lastPurchase > lastEngagement) lastEngagement = lastPurchase;
  if (lastInquiry > lastEngagement) lastEngagement = lastInquiry;

  let notice = false;
  let noticeCategoriesOk = false;
  for (let ix = 0; ix < k.consents.length; ix++) {
    const x = k.consents[ix];
    if (x.at <= at && x.at > lastEngagement) lastEngagement = x.at;
    if (x.confirmedAt !== null && x.confirmedAt <= at) {
      if (x.confirmedAt > lastEngagement) lastEngagement = x.confirmedAt;
      if (s.at !== null && x.confirmedAt >= s.at) anyContactSinceCollection = true;
    }
    if (!inForce(x, ch, at)) continue;
    const ev = x.evidence.length > 0;
    switch (x.method) {
      case 'double_opt_in':
        if (x.confirmedAt !== null && x.confirmedAt <= at) f.set(ev ? F.consent_doi : F.consent_doi_no_evidence);
        else f.set(ev ? F.consent_single : F.consent_single_no_evidence);
        break;
      case 'single_opt_in': f.set(ev ? F.consent_single : F.consent_single_no_evidence); break;
      case 'written': f.set(ev ? F.consent_written : F.consent_written_no_evidence); break;
      case 'verbal_scripted': f.set(ev ? F.consent_verbal_scripted : F.consent_verbal_no_evidence); break;
      case 'verbal': f.set(ev ? F.consent_verbal : F.consent_verbal_no_evidence); break;
      case 'pre_ticked': f.set(F.consent_pre_ticked); break;
      case 'terms_only': f.set(F.consent_terms_only); break;
      case 'conditional': f.set(F.consent_conditional); break;
      case 'purchase_notice':
        notice = true;
        if (purchasedWithin(c, at, x.categories)) noticeCategoriesOk = true;
        break;
    }
    if (x.method === 'single_opt_in' || (x.method === 'double_opt_in' && (x.confirmedAt === null || x.confirmedAt > at))) f.set(F.consent_single_any);
    else if (x.method === 'verbal' || x.method === 'verbal_scripted') f.set(F.consent_verbal_any);
    if (x.method !== 'pre_ticked' && x.method !== 'terms_only' && x.method !== 'conditional' && x.method !== 'purchase_notice') {
      f.set(ev ? F.consent_provable : F.consent_unprovable);
    }
  }

  if (notice) {
    const sale = lastPurchase > -Infinity;
    if (!sale && lastInquiry === -Infinity) f.set(F.notice_without_sale);
    else if (!noticeCategoriesOk) f.set(F.soft_opt_in_out_of_scope);
    else {
      // Soft opt-in needs the details collected by the seller itself, in the course of the sale.
      if (sale && s.collectedBy !== 'third_party') f.set(F.soft_opt_in);
      if (s.collectedBy !== 'third_party') f.set(F.soft_opt_in_negotiation);
    }
  }

  // Delivery: policy rejections (x.7.x) say nothing about the mailbox, and a later confirm, click or reply proves
  // the mailbox works again (RULES.md C-7, TECH-04).
  if (ch === 'email' && k.bounces.length > 0) {
    let lastProof = -Infinity;
    for (let ia = 0; ia < k.activity.length; ia++) {
      const a = k.activity[ia];
      if (a.at <= at && (a.type === 'confirm' || a.type === 'click' || a.type === 'reply') && a.at > lastProof) lastProof = a.at;
    }
    let soft = 0;
    for (let ib = 0; ib < k.bounces.length; ib++) {
      const b = k.bounces[ib];
      if (b.at > at || b.at <= lastProof) continue;
      if (b.status !== null && POLICY_STATUS.test(b.status)) continue;
      const hard = b.status === null ? b.type === 'hard' : b.status[0] === '5' && b.status !== '5.2.2';
      if (hard) f.set(F.hard_bounced);
      else soft++;
    }
    if (soft >= SOFT_BOUNCE_LIMIT) f.set(F.soft_bounce_limit);
  }

  // The inactivity window: 3 years from collection or the last engagement (RULES.md FR-10, OPT-09).
  if (lastEngagement > -Infinity) {
    f.anchors[0] = lastEngagement;
    if (at >= lastEngagement + INACTIVITY_SURELY_RUNNING) {
      const end = f.clock(0);
      if (at < end && at >= addDays(end, -INACTIVITY_WARNING_DAYS)) f.set(F.inactivity_ending);
    }
  }
  if (s.type === 'offline_form' && s.at !== null && !anyContactSinceCollection && at >= addDays(s.at, LATE_FIRST_MESSAGE_DAYS)) {
    f.set(F.late_first_message);
  }

  // CASL implied consent: 2 years after a purchase or a membership, 6 months after an inquiry (CA-04).
  if (lastPurchase > -Infinity) f.anchors[1] = lastPurchase;
  if (lastInquiry > -Infinity) f.anchors[2] = lastInquiry;
  if (s.type === 'membership' && s.at !== null && s.at <= at) f.anchors[3] = s.at;
  let lapsed = false;
  for (let i = 1; i <= 3; i++) {
    const anchor = f.anchors[i];
    if (Number.isNaN(anchor)) continue;
    if (at < anchor + IMPLIED_SURELY_RUNNING || at < f.clock(i)) { lapsed = false; break; }
    lapsed = true;
  }
  if (lapsed) f.set(F.implied_consent_lapsed);
  if ((s.type === 'web_scrape' || s.type === 'business_card') && li !== null && li.roleRelevant) f.set(F.published_role_relevant);

  for (let ir = 0; ir < k.registries.length; ir++) {
    const r = k.registries[ir];
    const name = r.toLowerCase();
    if (name === 'bloctel') f.set(F.bloctel);
    else if (name === 'tps' || name === 'ctps') f.set(F.tps);
    else if (name === 'dncl') f.set(F.dncl);
  }

  if (k.birthDate !== null) {
    const age = ageAt(k.birthDate, at);
    if (age < 18) f.set(F.under_18);
    if (age < 16) f.set(F.under_16);
    if (age < 15) f.set(F.under_15);
    if (age < 13) f.set(F.under_13);
  }
  return f;
}

/** True when every category of the message was bought, or named by the notice, before the moment. */
function purchasedWithin(c: ParsedCase, at: number, noticeCategories: readonly string[]): boolean {
  const wanted = c.message.categories;
  if (wanted.length === 0) return false;
  for (let iw = 0; iw < wanted.length; iw++) {
    const w = wanted[iw];
    if (noticeCategories.includes(w)) continue;
    let found = false;
    for (let ip = 0; ip < c.contact.purchases.length; ip++) {
      const p = c.contact.purchases[ip];
      if (p.at <= at && p.categories.includes(w)) { found = true; break; }
    }
    if (!found) return false;
  }
  return true;
}
