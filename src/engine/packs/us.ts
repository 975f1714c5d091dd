/**
 * `us`: United States, the CAN-SPAM Act and 16 CFR 316, plus COPPA for children (RULES.md 2.6, 2.8). Email is
 * opt-out: no prior consent, B2B or B2C, but opt-outs are binding. Texts and calls fall under the TCPA, which this
 * pack does not model beyond requiring consent.
 */
import type { PackSpec } from '../rule.js';
import { serviceRule, suppressionRules } from './common.js';

export const us: PackSpec = {
  name: 'us',
  title: 'United States (CAN-SPAM, COPPA)',
  rules: [
    ...suppressionRules({ unsubscribe: 'US-06', objection: 'US-06', complaint: 'US-06', erasure: 'US-07', manual: 'US-06' }, '15 U.S.C. 7704(a)(3)-(4)'),
    serviceRule('US-10', '15 U.S.C. 7702(17)'),
    { id: 'MIN-04', code: 'minor', effect: 'block', when: ['marketing', 'under_13'], source: 'COPPA, 16 CFR 312.5',
      text: 'The contact is under 13; verifiable parental consent is required and none is recorded.' },
    { id: 'US-11', code: 'scraped', effect: 'block', when: ['marketing', 'email', 'source:web_scrape'], source: '15 U.S.C. 7704(b)',
      text: 'The address was harvested from websites; mailing harvested addresses is an aggravated violation.' },

    { id: 'US-04', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'consent_provable'], source: '15 U.S.C. 7704(a)(5)',
      text: 'The contact gave affirmative consent to these messages.' },
    { id: 'US-01', code: 'opt_out_regime', effect: 'allow', basis: 'no_consent_required', when: ['marketing', 'email'], source: 'FTC CAN-SPAM compliance guide',
      text: 'US commercial email needs no prior consent; the contact has not opted out.' },
    { id: 'US-01', code: 'opt_out_regime', effect: 'allow', basis: 'no_consent_required', when: ['marketing', 'post'], source: 'No federal consent rule for postal marketing',
      text: 'US law sets no consent rule for postal marketing.' },

    { id: 'US-04', code: 'disclosure_required', effect: 'warn', when: ['marketing', 'email'], unless: ['consent_provable'], source: '15 U.S.C. 7704(a)(5)',
      text: 'Without affirmative consent the email must be labelled as an advertisement and carry a valid postal address and an opt-out.' },
  ],
  noBasis: {
    id: 'US-01', source: 'TCPA (not modelled in detail)',
    text: 'Marketing texts, calls and faxes in the US need prior express consent, and none is on record.',
  },
};
