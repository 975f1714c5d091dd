/**
 * `ca`: Canada, CASL and the CRTC's guidance (RULES.md 2.7). Every commercial electronic message needs consent,
 * B2B included: express consent, which does not lapse, or implied consent, which does (2 years after a purchase
 * or a membership, 6 months after an inquiry; CA-04). A published or handed-over business address implies
 * consent to messages about the person's role (CA-05).
 */
import type { PackSpec } from '../rule.js';
import { serviceRule, suppressionRules } from './common.js';

export const ca: PackSpec = {
  name: 'ca',
  title: 'Canada (CASL, CRTC)',
  rules: [
    ...suppressionRules({ unsubscribe: 'CA-07', objection: 'CA-07', complaint: 'CA-07', erasure: 'CA-07', manual: 'CA-07' }, 'CASL s.11'),
    serviceRule('CA-09', 'CASL s.6(6)'),
    { id: 'CA-DNCL', code: 'registry_listed', effect: 'block', when: ['marketing', 'phone', 'dncl'], unless: ['consent_provable'], source: 'CRTC Unsolicited Telecommunications Rules',
      text: 'The number is on the National Do Not Call List and the person has not agreed to your calls.' },

    { id: 'CA-03', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'consent_provable'], source: 'CASL s.10(1)',
      text: 'The contact gave express consent, which lasts until they withdraw it.' },
    { id: 'CA-04', code: 'implied_consent', effect: 'allow', basis: 'implied_consent', when: ['marketing'], lapses: 'implied_purchase', source: 'CASL s.10(10)',
      text: 'The contact bought from you within the last 2 years: consent is implied until 2 years after the purchase.' },
    { id: 'CA-04', code: 'implied_consent', effect: 'allow', basis: 'implied_consent', when: ['marketing'], lapses: 'implied_inquiry', source: 'CASL s.10(10)',
      text: 'The contact made an inquiry within the last 6 months: consent is implied until 6 months after it.' },
    { id: 'CA-04', code: 'implied_consent', effect: 'allow', basis: 'implied_consent', when: ['marketing'], lapses: 'implied_membership', source: 'CASL s.10(13)',
      text: 'The contact became a member within the last 2 years: consent is implied until 2 years after joining.' },
    { id: 'CA-05', code: 'implied_consent', effect: 'allow', basis: 'implied_consent', when: ['marketing', 'published_role_relevant'], source: 'CASL s.10(9)(b)-(c)',
      text: "The address was published or handed to you, and the message concerns the person's business role." },
    { id: 'CA-01', code: 'opt_out_regime', effect: 'allow', basis: 'no_consent_required', when: ['marketing', 'post'], source: 'CASL s.1 (electronic messages only)',
      text: 'CASL covers electronic messages only; postal marketing needs no consent.' },
    { id: 'CA-01', code: 'opt_out_regime', effect: 'allow', basis: 'no_consent_required', when: ['marketing', 'phone'], unless: ['dncl'], source: 'CASL s.6(8) (voice calls excluded)',
      text: 'Live voice calls are outside CASL; the number is not on the National Do Not Call List.' },

    { id: 'CA-04', code: 'consent_expired', effect: 'block', otherwise: true, when: ['marketing', 'implied_consent_lapsed'], source: 'CASL s.10(10)',
      text: 'The implied consent from the last purchase, inquiry or membership has run out; ask for express consent.' },
    { id: 'CA-08', code: 'missing_evidence', effect: 'block', otherwise: true, when: ['marketing', 'consent_unprovable'], source: 'CASL s.13',
      text: 'A consent is recorded but nothing proves it; under CASL the sender must prove consent.' },
    { id: 'CA-03', code: 'invalid_consent', effect: 'block', otherwise: true, when: ['marketing', 'consent_pre_ticked'], source: 'CRTC Bulletin 2012-548',
      text: 'A pre-checked box is not express consent.' },
    { id: 'CA-03', code: 'invalid_consent', effect: 'block', otherwise: true, when: ['marketing', 'consent_terms_only'], source: 'CRTC Bulletin 2012-548',
      text: 'Consent must be sought separately, not bundled into terms and conditions.' },
  ],
  noBasis: {
    id: 'CA-01', source: 'CASL s.6(1)',
    text: 'A commercial electronic message needs express or implied consent, B2B included, and none is on record.',
  },
};
