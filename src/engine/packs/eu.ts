/**
 * `eu`: the EU baseline, GDPR + ePrivacy Directive Art 13, for recipients in a member state without a pack of
 * its own (RULES.md 2.1, 2.2, 2.8). Electronic marketing to natural persons needs provable consent or the soft
 * opt-in; companies are left to national law by Art 13(5), so here a documented, role-relevant legitimate
 * interest suffices for them. Post and live calls are opt-out (Art 13(3)).
 */
import type { PackSpec } from '../rule.js';
import { invalidConsentRules, serviceRule, softOptInScopeRules, suppressionRules } from './common.js';

export const EU_SUPPRESSION_IDS = { unsubscribe: 'EU-GDPR-04', objection: 'EU-GDPR-10', complaint: 'EU-GDPR-10', erasure: 'EU-GDPR-09', manual: 'B2B-08' };

export const eu: PackSpec = {
  name: 'eu',
  title: 'EU baseline (GDPR, ePrivacy Directive)',
  rules: [
    ...suppressionRules(EU_SUPPRESSION_IDS, 'GDPR Art 7(3), 17, 21'),
    serviceRule('EU-EPD-01', 'ePrivacy Directive Art 13 covers direct marketing only'),
    { id: 'MIN-01', code: 'minor', effect: 'block', when: ['marketing', 'under_16'], source: 'GDPR Art 8(1)',
      text: "The contact is under 16, below the age at which a child's own consent counts, and no parental consent is recorded." },
    { id: 'EU-GDPR-07', code: 'disclosure_required', effect: 'warn', when: ['marketing', 'collected_by_third_party'], source: 'GDPR Art 14',
      text: 'The address was not collected from the person: the first message must say where it came from and how to object.' },

    { id: 'EU-GDPR-01', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'consent_provable'], source: 'GDPR Art 6(1)(a), 7(1)',
      text: 'The contact gave consent by an affirmative act, and the proof is kept.' },
    { id: 'EU-EPD-02', code: 'soft_opt_in', effect: 'allow', basis: 'soft_opt_in', when: ['marketing', 'electronic', 'soft_opt_in'], unless: ['under_18'], source: 'ePrivacy Directive Art 13(2)',
      text: 'The customer gave the address while buying, was offered a free way to object, and this message promotes similar products.' },
    { id: 'EU-EPD-05', code: 'legitimate_interest', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'corporate', 'li_recorded', 'li_role_relevant'], unless: ['under_18'], source: 'ePrivacy Directive Art 13(5); GDPR Art 6(1)(f)',
      text: "A company contact may be approached on a documented legitimate interest when the message fits the person's role." },
    { id: 'EU-EPD-03', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'post'], unless: ['under_18'], source: 'GDPR Art 6(1)(f), Recital 47',
      text: 'Postal marketing is opt-out: it may be sent until the person objects.' },
    { id: 'EU-EPD-03', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'phone'], unless: ['under_18'], source: 'ePrivacy Directive Art 13(3)',
      text: 'Live marketing calls are opt-out in the EU baseline: they may be made until the person objects.' },

    ...invalidConsentRules('GDPR Art 4(11), 7'),
    ...softOptInScopeRules('EU-EPD-02', 'ePrivacy Directive Art 13(2)'),
    { id: 'B2B-01', code: 'not_role_relevant', effect: 'block', otherwise: true, when: ['marketing', 'corporate', 'li_not_role_relevant'], source: 'Seed S2 step 1; GDPR Art 6(1)(f)',
      text: "The message has nothing to do with the person's job, so a legitimate interest cannot be claimed." },
    { id: 'B2B-03', code: 'no_consent', effect: 'block', otherwise: true, when: ['marketing', 'corporate', 'li_role_relevant'], unless: ['li_recorded'], source: 'Seed S2 steps 1-2; GDPR Art 5(2)',
      text: 'No record of where the address came from and why you contact this person, so a legitimate interest cannot be shown.' },
    { id: 'MIN-03', code: 'minor', effect: 'block', otherwise: true, when: ['marketing', 'under_18'], source: 'GDPR Recital 38',
      text: "The contact is a minor: marketing on a legitimate interest or soft opt-in is refused, the child's interests prevail." },

    { id: 'EU-GDPR-03', code: 'weak_evidence', effect: 'warn', when: ['marketing', 'consent_single'], unless: ['consent_doi', 'consent_written'], source: 'GDPR Art 7(1); BGH I ZR 164/09',
      text: 'The consent is a single opt-in: it proves that someone typed the address, not that its owner did. Ask for confirmation.' },
  ],
  noBasis: {
    id: 'EU-EPD-01', source: 'ePrivacy Directive Art 13(1)',
    text: 'Marketing by email, text or fax to a person needs their prior consent (or a soft opt-in), and neither is on record.',
  },
};
