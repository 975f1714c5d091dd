/**
 * `platform`: the operator's own list policy, taken from the seed documents (CleverReach's worked examples and
 * guidelines, RULES.md Part 1) with the resolutions of RULES.md Part 4. It is the strictest pack: it applies
 * even where the recipient's law would allow more (B2B cold email is forbidden, C-1, unless the workspace's
 * setting `b2bColdEmail` is `jurisdictional`, then the law pack decides; bought and scraped lists are
 * never allowed, C-2 and C-3; verbal consent is refused for email, C-4; role addresses are refused, C-5).
 *
 * Worked examples that share a rule speak under that rule's id: CR-EX-01 and CR-EX-07 (bought lists) are
 * CR-NO-01; CR-EX-04 and CR-EX-12 (associations, groups) are CR-NO-07; CR-EX-03 (own stand) is CR-YES-01 or
 * CR-YES-04; CR-EX-11 (shop customers) is CR-YES-01 or CR-YES-02; CR-EX-15 (raffles) is CR-YES-01, or
 * EU-GDPR-04 when entry was conditional. Seed S4's OPT-01, OPT-04 and OPT-05 (promotional mail needs opt-in
 * or a purchase) are the allow rules below plus `noBasis`.
 */
import type { PackSpec } from '../rule.js';
import { inactivityRules, invalidConsentRules, serviceRule, softOptInScopeRules, suppressionRules } from './common.js';

const S0 = 'Seed S0 (worked examples)';
const S1 = 'Seed S1 (list guidelines)';

export const platform: PackSpec = {
  name: 'platform',
  title: 'Platform list policy (seed documents)',
  rules: [
    ...suppressionRules({ unsubscribe: 'B2B-08', objection: 'EU-GDPR-10', complaint: 'TECH-05', erasure: 'EU-GDPR-09', manual: 'B2B-08' }, 'Seed S2 step 3; RULES.md Part 4'),
    serviceRule('OPT-02', 'Seed S4 §I-II'),

    // Where the address came from: sources the platform never mails, whatever the paperwork says.
    { id: 'CR-NO-01', code: 'purchased_list', effect: 'block', when: ['marketing', 'source:list_broker'], source: `${S1}; ${S0} ex. 1 and 7`,
      text: 'The address comes from a bought or rented list; bought lists may never be mailed.' },
    { id: 'CR-NO-02', code: 'scraped', effect: 'block', when: ['marketing', 'source:web_scrape'], source: S1,
      text: 'The address was copied from a website or a public register; published addresses are not permission.' },
    { id: 'CR-EX-02', code: 'event_organizer_list', effect: 'block', when: ['marketing', 'source:event_organizer'], source: `${S0} ex. 2`,
      text: "The address comes from a trade-show organiser's visitor list; only the organiser may mail those visitors." },
    { id: 'CR-EX-05', code: 'social_network', effect: 'block', when: ['marketing', 'source:social_network'], source: `${S0} ex. 5; ${S1}`,
      text: 'The address was taken from a social network; such contacts may only be reached inside that network.' },
    { id: 'CR-EX-06', code: 'third_party', effect: 'block', when: ['marketing', 'source:partner'], unless: ['collected_for_us'], source: `${S0} ex. 6`,
      text: "The address comes from a partner's list; the partner holds the permission, not you." },
    { id: 'CR-NO-06', code: 'third_party', effect: 'block', when: ['marketing', 'collected_by_third_party'], unless: ['source:partner'], source: S1,
      text: 'The address was collected by a third party for itself; only data collected on your behalf may be used.' },
    { id: 'CR-NO-07', code: 'membership_list', effect: 'block', when: ['marketing', 'source:membership'], unless: ['consent_doi', 'consent_written'], source: `${S1}; ${S0} ex. 4 and 12`,
      text: 'Club, union or association membership is not permission to email; each member must sign up themselves.' },
    { id: 'CR-EX-10', code: 'unverified_source', effect: 'block', when: ['marketing', 'source:agency_client'], unless: ['client_attested'], source: `${S0} ex. 10`,
      text: "Your client's list is on hold until the client documents how it collected the addresses." },
    { id: 'CR-EX-13', code: 'unverified_source', effect: 'block', when: ['marketing', 'source:crm'], unless: ['consent_doi', 'consent_written'], source: `${S0} ex. 13`,
      text: 'CRM records may be mailed only with explicit, verifiable permission from each person, and none is on record.' },
    { id: 'CR-EX-14', code: 'relationship_only', effect: 'block', when: ['marketing', 'source:business_relationship'], unless: ['consent_doi', 'consent_written'], source: `${S0} ex. 14`,
      text: 'Being in business contact is not permission to send a newsletter; ask for explicit consent first.' },
    { id: 'CR-EX-08', code: 'no_consent', effect: 'block', when: ['marketing', 'source:business_card'], unless: ['consent_doi', 'consent_written'], source: `${S0} ex. 8; ${S1} (YES 3)`,
      text: 'A business card alone is not permission; you need the card and a written permission to email.' },
    { id: 'CR-NO-04', code: 'verbal_consent', effect: 'block', when: ['marketing', 'source:phone_call'], unless: ['consent_doi', 'consent_written', 'phone'], source: `${S1}; RULES.md C-4`,
      text: 'The address was given in a conversation; a spoken yes is not accepted, confirm it by double opt-in.' },
    { id: 'CR-YES-05', code: 'sponsor_limit', effect: 'block', when: ['marketing', 'source:co_registration', 'sponsors_over_limit'], source: `${S1} (YES 5); RULES.md C-12`,
      text: 'The co-registration named more than 10 sponsors; at most 10 are allowed per contest.' },
    { id: 'CR-YES-05', code: 'invalid_consent', effect: 'block', when: ['marketing', 'source:co_registration', 'sponsors_unnamed'], source: `${S1} (YES 5); RULES.md C-12`,
      text: 'The co-registration did not name its sponsors at sign-up, so the person did not know who would write.' },
    { id: 'CR-OPS-02', code: 'role_address', effect: 'block', when: ['marketing', 'role_address'], source: `${S1} §2; RULES.md C-5`,
      text: 'This is a role address (such as info@ or sales@), not one person who subscribed; role addresses are not mailed.' },
    { id: 'MIN-01', code: 'minor', effect: 'block', when: ['marketing', 'under_16'], source: 'GDPR Art 8; RULES.md MIN-03',
      text: 'The contact is under 16; the platform sends no marketing to children.' },
    ...inactivityRules('OPT-09', 'OPT-10', 'Seed S4 §IV; CNIL (FR-10)'),

    // The lawful paths the platform accepts.
    { id: 'CR-YES-01', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'consent_doi'], source: `${S1} (YES 1)`,
      text: 'The contact confirmed their subscription by double opt-in, and the proof is kept.' },
    { id: 'CR-YES-04', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'consent_written'], source: `${S1} (YES 3, YES 4)`,
      text: 'The contact asked in writing to receive these messages, and the signed form or permission is kept.' },
    { id: 'OPT-07', code: 'valid_consent', effect: 'allow', basis: 'consent', when: ['marketing', 'phone', 'consent_verbal_scripted'], source: 'Seed S4 §III c; RULES.md C-4',
      text: 'The contact agreed to calls by phone, following a script that is kept.' },
    { id: 'CR-YES-02', code: 'soft_opt_in', effect: 'allow', basis: 'soft_opt_in', when: ['marketing', 'soft_opt_in'], unless: ['under_18'], source: `${S1} (YES 2); ${S0} ex. 11`,
      text: 'The customer bought from you, was told at checkout that you may advertise similar products, and this message does.' },
    // RULES.md C-1 as a workspace setting: with `jurisdictional`, a business contact's email needs no platform
    // consent (CR-NO-05 stays silent) and the law pack decides. Every block rule above still applies.
    { id: 'C-1', code: 'jurisdiction_decides', effect: 'allow', basis: 'no_consent_required', when: ['marketing', 'email', 'b2b', 'policy_b2b_jurisdictional'],
      unless: ['consent_doi', 'consent_written', 'soft_opt_in', 'under_18'], source: 'RULES.md Part 4 C-1 (workspace setting b2b_cold_email = jurisdictional)',
      text: "This workspace leaves email to business contacts to the law of the contact's country (setting b2b_cold_email: jurisdictional), so the platform's ban on B2B email without consent (CR-NO-05) is waived; the country's rules decide." },
    { id: 'P-POST', code: 'opt_out_regime', effect: 'allow', basis: 'legitimate_interest', when: ['marketing', 'post'], source: 'Platform policy covers electronic messages',
      text: "Postal mail is outside the platform's email list policy; the law of the recipient's country decides." },

    // Why no lawful path was found.
    { id: 'CR-NO-03', code: 'single_opt_in', effect: 'block', otherwise: true, when: ['marketing', 'consent_single_any'], source: S1,
      text: 'The contact signed up without confirming by email (single opt-in); only double opt-in sign-ups may be mailed.' },
    { id: 'CR-OPS-04', code: 'missing_evidence', effect: 'block', otherwise: true, when: ['marketing', 'consent_doi_no_evidence'], source: `${S1} §4`,
      text: 'The double opt-in has no recorded source and timestamp, so it cannot be proven.' },
    { id: 'CR-YES-04', code: 'missing_evidence', effect: 'block', otherwise: true, when: ['marketing', 'consent_written_no_evidence'], source: S1,
      text: 'A written sign-up is claimed but the form is not kept; the form must be available as proof.' },
    { id: 'CR-NO-04', code: 'verbal_consent', effect: 'block', otherwise: true, when: ['marketing', 'consent_verbal_any'], unless: ['phone'], source: `${S1}; RULES.md C-4`,
      text: 'The consent was given verbally; consent to email must be given in writing or digitally.' },
    ...invalidConsentRules(`${S0} ex. 4 and 15; GDPR Art 4(11), 7`),
    ...softOptInScopeRules('CR-YES-02', `${S1} (YES 2); ${S0} ex. 11`),
    { id: 'CR-NO-05', code: 'no_consent', effect: 'block', otherwise: true, when: ['marketing', 'b2b'], source: `${S1}; RULES.md C-1`,
      text: 'Business contacts need permission too; the platform does not allow cold B2B email.' },
    { id: 'MIN-03', code: 'minor', effect: 'block', otherwise: true, when: ['marketing', 'under_18'], source: 'GDPR Recital 38',
      text: 'The contact is under 18; a minor is mailed only with their own confirmed consent, never on a soft opt-in.' },

    // Warnings.
    { id: 'B2B-09', code: 'weak_evidence', effect: 'warn', when: ['marketing', 'source:manual'], source: 'Seed S2 step 4',
      text: 'This address was typed in by staff with no other provenance: record how, when and why it was collected.' },
    { id: 'CR-EX-09', code: 'late_first_message', effect: 'warn', when: ['marketing', 'late_first_message'], source: `${S0} ex. 9; RULES.md C-21`,
      text: 'This paper sign-up is over 3 months old and has never been mailed; people forget they signed up, so expect complaints.' },
  ],
  noBasis: {
    id: 'CR-YES-01', source: S1,
    text: 'No permission on record: the platform mails only people who confirmed by double opt-in, signed up in writing, or bought from you and were told about similar-product mail.',
  },
};
