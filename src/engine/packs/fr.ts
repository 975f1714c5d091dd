/**
 * `fr`: France. CPCE L34-5, the CNIL's guidance and the Code de la consommation (RULES.md 2.3, seed S3).
 * Consumers: opt-in for email, SMS and fax, with the soft opt-in. Professionals: email is opt-out when they were
 * told at collection and the message fits their job (FR-04). Consumer phone calls switch from opt-out (with the
 * Bloctel register) to opt-in on 11 August 2026 (FR-06, RULES.md C-18).
 *
 * Seed S3's rules speak under the statute's ids: FR-S-01 is FR-01, FR-S-02 is FR-04 and FR-07, FR-S-04 is FR-06.
 */
import type { PackSpec } from '../rule.js';
import { inactivityRules, invalidConsentRules, serviceRule, softOptInScopeRules, suppressionRules } from './common.js';
import { EU_SUPPRESSION_IDS } from './eu.js';

const PHONE_OPT_IN = '2026-08-11';

export const fr: PackSpec = {
  name: 'fr',
  title: 'France (CPCE L34-5, CNIL, Code de la consommation)',
  rules: [
    ...suppressionRules(EU_SUPPRESSION_IDS, 'CPCE L34-5; GDPR Art 17, 21'),
    serviceRule('OPT-02', 'CPCE L34-5 (prospecting only); seed S4'),
    { id: 'MIN-02', code: 'minor', effect: 'block', when: ['marketing', 'under_15'], source: 'Loi Informatique et Libertés art. 45; GDPR Art 8',
      text: 'The contact is under 15; in France a child under 15 consents only together with a parent, and that is not recorded.' },
    { id: 'FR-09', code: 'third_party', effect: 'block', when: ['marketing', 'electronic', 'collected_by_third_party'], source: 'CNIL recommendation on partner data (2018)',
      text: 'The address was collected by another company; passing it on needs the person\'s consent to the transfer and a named partner list.' },
    { id: 'FR-06', code: 'registry_listed', effect: 'block', when: ['marketing', 'phone', 'consumer', 'bloctel'], unless: ['consent_provable'], until: PHONE_OPT_IN, source: 'Code de la consommation L223-1',
      text: 'The number is on Bloctel, the French do-not-call list, and the person has not agreed to calls.' },
    { id: 'FR-06', code: 'no_consent', effect: 'block', when: ['marketing', 'phone', 'consumer'], unless: ['consent_provable'], from: PHONE_OPT_IN, source: 'Code de la consommation L223-1 as amended by Loi 2025-594',
      text: 'Since 11 August 2026 a consumer may be called for prospecting only with their prior, provable consent.' },
    ...inactivityRules('FR-10', 'FR-10', 'CNIL référentiel "gestion des activités commerciales"; SAN-2020-003'),

    { id: 'FR-01', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'consent_provable'], source: 'CPCE L34-5 §1',
      text: 'The contact gave prior, free, specific and informed consent, and the proof is kept.' },
    { id: 'FR-02', code: 'soft_opt_in', effect: 'allow', basis: 'soft_opt_in', when: ['marketing', 'electronic', 'soft_opt_in'], unless: ['under_18'], source: 'CPCE L34-5 §4',
      text: 'The customer gave the address when buying, could object then and in every message, and this message promotes similar products.' },
    { id: 'FR-04', code: 'legitimate_interest', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'email', 'b2b', 'li_role_relevant', 'li_informed'], unless: ['under_18'], source: 'CNIL (deliberation of 17 Feb 2005, email guidance)',
      text: "A professional may be emailed without prior consent when told at collection, free to object, and the offer fits their job." },
    { id: 'FR-04', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'email', 'corporate', 'role_address'], source: 'CNIL (generic addresses)',
      text: "A generic company address (contact@, info@) is the company's, not a person's: French consent rules do not apply to it." },
    { id: 'FR-06', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'phone', 'consumer'], unless: ['bloctel', 'under_18'], until: PHONE_OPT_IN, source: 'Code de la consommation L223-1 (until 10 Aug 2026)',
      text: 'Until 10 August 2026 consumer calls are opt-out, and this number is not on Bloctel.' },
    { id: 'FR-07', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'phone', 'b2b'], unless: ['under_18'], source: 'Seed S3; CNIL',
      text: 'Calls to professionals are opt-out: they may be made until the person objects.' },
    { id: 'FR-07', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'post'], unless: ['under_18'], source: 'Seed S3; CNIL',
      text: 'Postal prospecting is opt-out: it may be sent until the person objects.' },

    ...invalidConsentRules('CPCE L34-5; CNIL; GDPR Art 7'),
    ...softOptInScopeRules('FR-02', 'CPCE L34-5 §4; CNIL (an account is not a sale)'),
    { id: 'FR-04', code: 'not_role_relevant', effect: 'block', otherwise: true, when: ['marketing', 'email', 'b2b', 'li_not_role_relevant'], source: 'CNIL (deliberation of 17 Feb 2005)',
      text: "Without consent, a professional may only be sent offers that fit their job; this one does not." },
    { id: 'FR-04', code: 'no_consent', effect: 'block', otherwise: true, when: ['marketing', 'email', 'b2b', 'li_role_relevant'], unless: ['li_informed'], source: 'CNIL (deliberation of 17 Feb 2005)',
      text: 'The professional was not told at collection that their address would be used for prospecting, so consent is needed.' },
    { id: 'MIN-03', code: 'minor', effect: 'block', otherwise: true, when: ['marketing', 'under_18'], source: 'GDPR Recital 38',
      text: "The contact is a minor: marketing without their consent (soft opt-in, legitimate interest) is refused." },

    { id: 'FR-05', code: 'disclosure_required', effect: 'warn', when: ['marketing', 'sms'], source: 'CNIL SMS guidance; deliberation 2011-384',
      text: 'Every marketing text must name the advertiser and offer a free way to stop (STOP to a non-premium number).' },
    { id: 'FR-S-03', code: 'disclosure_required', effect: 'warn', when: ['marketing', 'email', 'b2b', 'li_role_relevant', 'li_informed'], unless: ['consent_provable'], source: 'Seed S3; GDPR Art 14, 21(4)',
      text: 'Prospecting a professional without consent: the first message must introduce you, say where the address came from and carry an unsubscribe link.' },
  ],
  noBasis: {
    id: 'FR-01', source: 'CPCE L34-5; seed S3',
    text: 'In France marketing by email, text or fax to a consumer needs prior consent ("if I did not say yes, it is no"), and none is on record.',
  },
};
