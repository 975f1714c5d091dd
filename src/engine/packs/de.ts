/**
 * `de`: Germany. UWG §7 and §7a and the BGH's case law on proving consent (RULES.md 2.4). Email, text and fax
 * advertising need prior express consent from everyone, businesses included (no B2B opt-out, C-1); the sender
 * must prove it person by person, which in practice means a confirmed double opt-in (DE-07).
 */
import type { PackSpec } from '../rule.js';
import { invalidConsentRules, serviceRule, softOptInScopeRules, suppressionRules } from './common.js';
import { EU_SUPPRESSION_IDS } from './eu.js';

export const de: PackSpec = {
  name: 'de',
  title: 'Germany (UWG §7, §7a, BGH)',
  rules: [
    ...suppressionRules({ ...EU_SUPPRESSION_IDS, objection: 'DE-05', complaint: 'DE-05' }, 'UWG §7(1); GDPR Art 17, 21'),
    serviceRule('DE-01', 'UWG §7 covers advertising only'),
    { id: 'MIN-02', code: 'minor', effect: 'block', when: ['marketing', 'under_16'], source: 'GDPR Art 8 (Germany kept 16)',
      text: 'The contact is under 16 and no parental consent is recorded.' },
    { id: 'DE-08', code: 'sponsor_limit', effect: 'block', when: ['marketing', 'source:co_registration', 'sponsors_over_limit'], source: 'OLG Frankfurt 6 U 93/15; BGH I ZR 7/16',
      text: 'A consent covering a long list of sponsors is not informed consent to any of them.' },

    { id: 'DE-07', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'email', 'consent_doi'], source: 'BGH I ZR 164/09 (double opt-in)',
      text: 'The contact confirmed by double opt-in from their own mailbox, which proves the consent under German case law.' },
    { id: 'DE-01', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'consent_written'], source: 'UWG §7(2) Nr. 2',
      text: 'The contact gave express consent in writing, and the document is kept.' },
    { id: 'DE-01', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'consent_provable'], unless: ['email'], source: 'UWG §7(2), §7a',
      text: 'The contact gave express consent to this channel, and it is documented.' },
    { id: 'DE-03', code: 'soft_opt_in', effect: 'allow', basis: 'soft_opt_in', when: ['marketing', 'email', 'soft_opt_in'], unless: ['under_18'], source: 'UWG §7(3)',
      text: 'The customer gave the address when buying, was told they may object at any time at no cost, and this message promotes your own similar products.' },
    { id: 'DE-02', code: 'legitimate_interest', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'phone', 'b2b', 'li_recorded', 'li_role_relevant'], source: 'UWG §7(2) Nr. 1',
      text: 'A business may be called on presumed consent when there is a documented, job-related reason.' },
    { id: 'DE-05', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'post'], unless: ['under_18'], source: 'UWG §7(1)',
      text: 'Postal advertising is allowed until the person says they do not want it.' },

    { id: 'DE-07', code: 'single_opt_in', effect: 'block', otherwise: true, when: ['marketing', 'email', 'consent_single_any'], source: 'BGH I ZR 164/09',
      text: 'A single opt-in proves nothing in Germany: anyone could have typed the address. The contact must confirm by double opt-in.' },
    { id: 'DE-07', code: 'verbal_consent', effect: 'block', otherwise: true, when: ['marketing', 'email', 'consent_verbal_any'], source: 'BGH I ZR 164/09; UWG §7(2) Nr. 2',
      text: 'A spoken consent cannot be proven for email; the contact must confirm by double opt-in.' },
    ...invalidConsentRules('UWG §7(2) Nr. 2; GDPR Art 7'),
    ...softOptInScopeRules('DE-03', 'UWG §7(3)'),
    { id: 'DE-01', code: 'no_consent', effect: 'block', otherwise: true, when: ['marketing', 'b2b', 'electronic'], source: 'UWG §7(2) Nr. 2',
      text: 'In Germany businesses need to consent to email advertising too; there is no B2B exception.' },
    { id: 'DE-02', code: 'no_consent', effect: 'block', otherwise: true, when: ['marketing', 'phone', 'consumer'], source: 'UWG §7(2) Nr. 1, §7a',
      text: 'A consumer may be called for advertising only with prior express, documented consent.' },
    { id: 'MIN-03', code: 'minor', effect: 'block', otherwise: true, when: ['marketing', 'under_18'], source: 'GDPR Recital 38',
      text: 'The contact is a minor: advertising without their own express consent is refused.' },
  ],
  noBasis: {
    id: 'DE-01', source: 'UWG §7(2) Nr. 2',
    text: 'Advertising by email, text or fax without prior express consent is an unreasonable nuisance in Germany, and no consent is on record.',
  },
};
