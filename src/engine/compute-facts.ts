/**
 * Works out the facts of one case (facts.ts names them). Pure: everything comes from the case, the moment
 * included; events after the moment do not count yet.
 */
import { isRoleAddress } from './address.js';
import { addDays, ageAt } from './dates.js';
import { FACTS, Facts, routeOf, type FactName } from './facts.js';
import type { Consent, ParsedCase, SourceType } from './types.js';
import { SOURCE_TYPES } from './types.js';

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

/** Fills `f` with the facts of case `c`. */
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
  if (c.workspacePolicy !== undefined && c.workspacePolicy.b2bColdEmail === 'jurisdictional') f.set(F.policy_b2b_jurisdictional);

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

  for (let i = 0; i < k.suppressions.length; i++) {
    const x = k.suppressions[i];
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
  // A known collection date anchors the window even when it lies after the moment asked about: a moment before
  // collection can never be three years after it.
  let lastEngagement = s.at !== null ? s.at : -Infinity;
  let anyContactSinceCollection = false;
  for (let i = 0; i < k.activity.length; i++) {
    const a = k.activity[i];
    if (a.at > at) continue;
    if (s.at !== null && a.at >= s.at) anyContactSinceCollection = true;
    if (a.type !== 'open' && a.at > lastEngagement) lastEngagement = a.at;
  }

  let lastPurchase = -Infinity;
  for (let i = 0; i < k.purchases.length; i++) {
    const p = k.purchases[i];
    if (p.at <= at && p.at > lastPurchase) lastPurchase = p.at;
  }
  let lastInquiry = -Infinity;
  for (let i = 0; i < k.inquiries.length; i++) {
    const q = k.inquiries[i];
    if (q.at <= at && q.at > lastInquiry) lastInquiry = q.at;
  }
  if (lastPurchase > lastEngagement) lastEngagement = lastPurchase;
  if (lastInquiry > lastEngagement) lastEngagement = lastInquiry;

  let notice = false;
  let noticeCategoriesOk = false;
  for (let i = 0; i < k.consents.length; i++) {
    const x = k.consents[i];
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
    for (let i = 0; i < k.activity.length; i++) {
      const a = k.activity[i];
      if (a.at <= at && (a.type === 'confirm' || a.type === 'click' || a.type === 'reply') && a.at > lastProof) lastProof = a.at;
    }
    let soft = 0;
    for (let i = 0; i < k.bounces.length; i++) {
      const b = k.bounces[i];
      if (b.at > at || b.at <= lastProof) continue;
      if (b.status !== null && POLICY_STATUS.test(b.status)) continue;
      const hard = b.status === null ? b.type === 'hard' : b.status[0] === '5' && b.status !== '5.2.2';
      if (hard) f.set(F.hard_bounced);
      else soft++;
    }
    if (soft >= SOFT_BOUNCE_LIMIT) f.set(F.soft_bounce_limit);
  }

  // The inactivity window: 3 years from collection or the last engagement (RULES.md FR-10, OPT-09).
  // Nothing dates the contact (no collection date, no dated engagement): its age cannot be shown to lie inside the
  // window, so the clock counts as run out. Otherwise a newly learnt old date could turn a send into a block.
  if (lastEngagement === -Infinity) f.anchors[0] = 0;
  else {
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

  for (let i = 0; i < k.registries.length; i++) {
    const r = k.registries[i];
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
  for (let i = 0; i < wanted.length; i++) {
    const w = wanted[i];
    if (noticeCategories.includes(w)) continue;
    let found = false;
    for (let j = 0; j < c.contact.purchases.length; j++) {
      const p = c.contact.purchases[j];
      if (p.at <= at && p.categories.includes(w)) { found = true; break; }
    }
    if (!found) return false;
  }
  return true;
}
