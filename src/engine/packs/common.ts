/**
 * Rules every pack holds in the same words: honouring suppressions and delivery failures, and letting service
 * messages through. Each pack lists them first (RULES.md Part 4, resolution order step 1) and names the
 * provision that makes them binding in its own law.
 */
import type { RuleSpec } from '../rule.js';

export interface SuppressionIds {
  unsubscribe: string;
  objection: string;
  complaint: string;
  erasure: string;
  manual: string;
}

/** Suppressions and delivery failures: they block whatever else the pack would allow. */
export function suppressionRules(ids: SuppressionIds, source: string): RuleSpec[] {
  return [
    { id: ids.unsubscribe, code: 'suppressed', effect: 'block', when: ['unsubscribed'], source,
      text: 'The contact unsubscribed from these messages; unsubscribes are honoured at once.' },
    { id: ids.objection, code: 'suppressed', effect: 'block', when: ['objected'], source,
      text: 'The contact objected to direct marketing; no marketing may reach them on any channel.' },
    { id: ids.complaint, code: 'suppressed', effect: 'block', when: ['complained'], source,
      text: 'The contact reported a message as spam; a complaint counts as an unsubscribe.' },
    { id: ids.erasure, code: 'suppressed', effect: 'block', when: ['erased'], source,
      text: 'The contact asked for their data to be erased; only the suppression record is kept, so nothing may be sent.' },
    { id: 'CR-OPS-06', code: 'suppressed', effect: 'block', when: ['suppressed_hard_bounce'], source: 'Seed S1 §6',
      text: 'The address was suppressed after a hard bounce.' },
    { id: ids.manual, code: 'suppressed', effect: 'block', when: ['suppressed_manually'], source,
      text: 'The contact is on the suppression list (added by staff).' },
    { id: 'TECH-04', code: 'hard_bounce', effect: 'block', when: ['hard_bounced'], source: 'RFC 3463; seed S1 §6',
      text: 'Mail to this address bounced permanently (the mailbox or domain does not exist).' },
    { id: 'TECH-04', code: 'soft_bounce_limit', effect: 'block', when: ['soft_bounce_limit'], source: 'RFC 3463; RULES.md C-7',
      text: 'Mail to this address bounced temporarily three times in a row with no sign of life since.' },
  ];
}

/** A service message (order, delivery, account, security) is not marketing and needs no marketing consent. */
export function serviceRule(id: string, source: string): RuleSpec {
  return {
    id, code: 'service_message', effect: 'allow', basis: 'service', when: ['service'], source,
    text: 'This is a service message (order, delivery, account or security notice), which needs no marketing consent.',
  };
}

/** Consents that can never be a basis: pre-ticked boxes, clauses in terms, consent made a condition of entry. */
export function invalidConsentRules(source: string): RuleSpec[] {
  return [
    { id: 'EU-GDPR-01', code: 'invalid_consent', effect: 'block', otherwise: true, when: ['marketing', 'consent_pre_ticked'], source,
      text: 'The only consent on record came from a pre-ticked box, which is not consent.' },
    { id: 'EU-GDPR-04', code: 'invalid_consent', effect: 'block', otherwise: true, when: ['marketing', 'consent_terms_only'], source,
      text: 'The only consent on record is a clause in terms and conditions, which is not a separate, specific consent.' },
    { id: 'EU-GDPR-04', code: 'invalid_consent', effect: 'block', otherwise: true, when: ['marketing', 'consent_conditional'], source,
      text: 'The consent was a condition of entering a raffle or getting a service, so it was not freely given.' },
    { id: 'EU-GDPR-03', code: 'missing_evidence', effect: 'block', otherwise: true, when: ['marketing', 'consent_unprovable'], source,
      text: 'A consent is recorded but no evidence of it is kept, so it cannot be proven.' },
  ];
}

/** Soft opt-in that does not reach this message. */
export function softOptInScopeRules(id: string, source: string): RuleSpec[] {
  return [
    { id, code: 'soft_opt_in_scope', effect: 'block', otherwise: true, when: ['marketing', 'soft_opt_in_out_of_scope'], source,
      text: 'The customer was told about mail on products similar to what they bought, but this message promotes other products.' },
    { id, code: 'soft_opt_in_scope', effect: 'block', otherwise: true, when: ['marketing', 'notice_without_sale'], source,
      text: 'A similar-products notice is on record but no completed purchase: an account or a basket alone is not a sale.' },
  ];
}

/** The 3-year inactivity window (CNIL): a hard stop, and a warning in its last 90 days. */
export function inactivityRules(id: string, warnId: string, source: string): RuleSpec[] {
  return [
    { id, code: 'inactive', effect: 'block', when: ['marketing'], after: 'inactivity', source,
      text: 'No sign of interest for 3 years since the address was collected or last engaged (opens do not count); the contact must be purged.' },
    { id: warnId, code: 'retention_ending', effect: 'warn', when: ['marketing', 'inactivity_ending'], source,
      text: 'The contact reaches 3 years without engagement within 90 days: ask them now whether they want to stay subscribed.' },
  ];
}
