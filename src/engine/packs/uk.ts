/**
 * `uk`: United Kingdom. PECR regs 21-23 with the ICO's guidance, and UK GDPR (RULES.md 2.5). Individual
 * subscribers (consumers, sole traders, partnerships) need consent or the soft opt-in, which here also follows
 * negotiations for a sale. Corporate subscribers are outside reg 22: a documented legitimate interest suffices.
 */
import type { PackSpec } from '../rule.js';
import { invalidConsentRules, serviceRule, softOptInScopeRules, suppressionRules } from './common.js';
import { EU_SUPPRESSION_IDS } from './eu.js';

export const uk: PackSpec = {
  name: 'uk',
  title: 'United Kingdom (PECR, UK GDPR, ICO)',
  rules: [
    ...suppressionRules(EU_SUPPRESSION_IDS, 'PECR reg 22(3); UK GDPR Art 17, 21'),
    serviceRule('UK-01', 'PECR reg 22 covers direct marketing only'),
    { id: 'MIN-02', code: 'minor', effect: 'block', when: ['marketing', 'under_13'], source: 'UK GDPR Art 8; DPA 2018 s.9',
      text: 'The contact is under 13 and no parental consent is recorded.' },
    { id: 'UK-06', code: 'third_party', effect: 'block', when: ['marketing', 'electronic', 'individual', 'collected_by_third_party'], source: 'ICO direct marketing guidance (bought-in lists)',
      text: 'Consent collected by another organisation rarely covers you: PECR wants consent given to the sender itself.' },
    { id: 'UK-07', code: 'registry_listed', effect: 'block', when: ['marketing', 'phone', 'tps'], unless: ['consent_provable'], source: 'PECR reg 21',
      text: 'The number is registered with the Telephone Preference Service and the person has not agreed to your calls.' },

    { id: 'UK-01', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'consent_provable'], source: 'PECR reg 22(2)',
      text: 'The contact told you they consent to these messages, and the proof is kept.' },
    { id: 'UK-02', code: 'soft_opt_in', effect: 'allow', basis: 'soft_opt_in', when: ['marketing', 'electronic', 'soft_opt_in_negotiation'], unless: ['under_18'], source: 'PECR reg 22(3)',
      text: 'The details were given during a sale or negotiations for one, a free way to refuse was offered, and this message promotes similar products.' },
    { id: 'UK-04', code: 'legitimate_interest', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'corporate', 'li_recorded'], unless: ['li_not_role_relevant', 'under_18'], source: 'PECR reg 22 (individual subscribers only); UK GDPR Art 6(1)(f)',
      text: 'Companies are corporate subscribers, outside the PECR consent rule; a documented legitimate interest covers the named employee.' },
    { id: 'UK-07', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'phone'], unless: ['tps', 'under_18'], source: 'PECR reg 21',
      text: 'Live marketing calls may be made to numbers not registered with the TPS and that have not objected.' },
    { id: 'EU-GDPR-02', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'post'], unless: ['under_18'], source: 'UK GDPR Art 6(1)(f)',
      text: 'Postal marketing rests on a legitimate interest until the person objects.' },

    ...invalidConsentRules('UK GDPR Art 4(11), 7; ICO'),
    ...softOptInScopeRules('UK-02', 'PECR reg 22(3)'),
    { id: 'B2B-01', code: 'not_role_relevant', effect: 'block', otherwise: true, when: ['marketing', 'corporate', 'li_not_role_relevant'], source: 'UK GDPR Art 6(1)(f); seed S2',
      text: "The message has nothing to do with the person's job, so a legitimate interest cannot be claimed." },
    { id: 'UK-04', code: 'no_consent', effect: 'block', otherwise: true, when: ['marketing', 'corporate'], unless: ['li_recorded', 'li_not_role_relevant'], source: 'UK GDPR Art 6(1)(f); ICO',
      text: 'Mailing a company contact without consent needs a documented legitimate interest (why, from where), and none is recorded.' },
    { id: 'MIN-03', code: 'minor', effect: 'block', otherwise: true, when: ['marketing', 'under_18'], source: 'UK GDPR Recital 38',
      text: 'The contact is a minor: marketing without their consent is refused.' },
  ],
  noBasis: {
    id: 'UK-01', source: 'PECR reg 22(2)',
    text: 'Marketing by email or text to an individual subscriber needs their consent or a soft opt-in, and neither is on record.',
  },
};
