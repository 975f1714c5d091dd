/**
 * The eligibility engine's vocabulary, exactly as fixed by shared/contracts/evaluate.md.
 *
 * Two shapes of a case live here: `CaseInput` is the JSON a caller sends (dates as ISO strings), `ParsedCase`
 * is what `parseCase` returns and `evaluate` reads (addresses normalised, dates turned into epoch
 * milliseconds once, absent optional fields set to null or [] so every object has one shape).
 */

export const CHANNELS = ['email', 'sms', 'phone', 'post', 'fax'] as const;
export type Channel = (typeof CHANNELS)[number];

export const PURPOSES = ['marketing', 'service'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const KINDS = ['consumer', 'sole_trader', 'partnership', 'corporate'] as const;
export type Kind = (typeof KINDS)[number];

export const SOURCE_TYPES = [
  'web_form', 'social_form', 'checkout', 'offline_form', 'business_card', 'co_registration', 'raffle', 'partner',
  'agency_client', 'list_broker', 'web_scrape', 'social_network', 'event_organizer', 'membership', 'crm',
  'business_relationship', 'phone_call', 'manual',
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export const COLLECTED_BY = ['us', 'third_party', 'third_party_for_us'] as const;
export type CollectedBy = (typeof COLLECTED_BY)[number];

export const CONSENT_METHODS = [
  'double_opt_in', 'single_opt_in', 'written', 'verbal', 'verbal_scripted', 'pre_ticked', 'terms_only',
  'conditional', 'purchase_notice',
] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

export const ACTIVITY_TYPES = ['click', 'open', 'reply', 'purchase', 'signup', 'confirm', 'login', 'form'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const SUPPRESSION_REASONS = ['unsubscribe', 'objection', 'complaint', 'erasure', 'hard_bounce', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export const SUPPRESSION_SCOPES = ['marketing', 'all_mail'] as const;
export type SuppressionScope = (typeof SUPPRESSION_SCOPES)[number];

export const BOUNCE_TYPES = ['hard', 'soft'] as const;
export type BounceType = (typeof BOUNCE_TYPES)[number];

export const POLICY_PACKS = ['platform', 'eu', 'fr', 'de', 'uk', 'us', 'ca'] as const;
export type PolicyPack = (typeof POLICY_PACKS)[number];

export const VERDICTS = ['send', 'block'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const BASES = ['consent', 'soft_opt_in', 'legitimate_interest', 'implied_consent', 'service', 'no_consent_required'] as const;
export type Basis = (typeof BASES)[number];

export const EFFECTS = ['allow', 'warn', 'block'] as const;
export type Effect = (typeof EFFECTS)[number];

export const BLOCK_CODES = [
  'suppressed', 'hard_bounce', 'soft_bounce_limit', 'purchased_list', 'scraped', 'third_party',
  'event_organizer_list', 'membership_list', 'social_network', 'relationship_only', 'unverified_source',
  'no_consent', 'single_opt_in', 'verbal_consent', 'invalid_consent', 'missing_evidence', 'soft_opt_in_scope',
  'sponsor_limit', 'role_address', 'inactive', 'consent_expired', 'registry_listed', 'not_role_relevant', 'minor',
] as const;
export type BlockCode = (typeof BLOCK_CODES)[number];

export const WARN_CODES = ['late_first_message', 'retention_ending', 'disclosure_required', 'weak_evidence'] as const;
export type WarnCode = (typeof WARN_CODES)[number];

/** Codes of the rules that allow (the contract lets us add codes; these name the lawful path that was found). */
export const ALLOW_CODES = [
  'valid_consent', 'soft_opt_in', 'legitimate_interest', 'implied_consent', 'service_message', 'opt_out_regime',
  'jurisdiction_decides',
] as const;
export type AllowCode = (typeof ALLOW_CODES)[number];

export type ReasonCode = BlockCode | WarnCode | AllowCode;

/**
 * RULES.md C-1, a workspace setting: `forbidden` (the default) keeps the platform's ban on B2B email without
 * consent (CR-NO-05), stricter than the law; `jurisdictional` leaves that question to the contact's country.
 */
export const B2B_COLD_EMAIL = ['forbidden', 'jurisdictional'] as const;
export type B2bColdEmail = (typeof B2B_COLD_EMAIL)[number];

/** The workspace's own policy settings that the engine reads. Not part of a case's JSON: callers pass it in. */
export interface WorkspacePolicy {
  b2bColdEmail: B2bColdEmail;
}

/** The platform's strictest settings, used when a case carries none. */
export const DEFAULT_WORKSPACE_POLICY: Readonly<WorkspacePolicy> = Object.freeze({ b2bColdEmail: 'forbidden' });

// ---------------------------------------------------------------------------------------------------------------
// Input as JSON (one line of `listwarden evaluate`, one element of POST /api/v1/evaluate)

export interface LegitimateInterestInput {
  reason?: string;
  roleRelevant?: boolean;
  informedAtCollection?: boolean;
  sourceUrl?: string;
}

export interface SourceInput {
  type: SourceType;
  at?: string;
  collectedBy?: CollectedBy;
  evidence?: string[];
  sponsors?: { count: number; named?: boolean };
  clientAttested?: boolean;
  legitimateInterest?: LegitimateInterestInput;
}

export interface ConsentInput {
  channel: Channel;
  method: ConsentMethod;
  at: string;
  confirmedAt?: string;
  evidence?: string[];
  categories?: string[];
  withdrawnAt?: string;
}

export interface ContactInput {
  email?: string;
  phone?: string;
  country: string;
  kind?: Kind;
  birthDate?: string;
  source: SourceInput;
  consents?: ConsentInput[];
  purchases?: { at: string; categories?: string[] }[];
  inquiries?: { at: string }[];
  activity?: { type: ActivityType; at: string }[];
  suppressions?: { reason: SuppressionReason; at: string; channel?: Channel | 'all'; scope?: SuppressionScope }[];
  bounces?: { type: BounceType; at: string; status?: string }[];
  registries?: string[];
}

export interface MessageInput {
  channel: Channel;
  purpose: Purpose;
  categories?: string[];
}

export interface CaseInput {
  id?: string;
  at?: string;
  policies?: PolicyPack[];
  contact: ContactInput;
  message: MessageInput;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsed case: what the engine reads. Times are epoch milliseconds (UTC).

export interface LegitimateInterest {
  reason: string | null;
  roleRelevant: boolean;
  informedAtCollection: boolean;
  sourceUrl: string | null;
}

export interface Source {
  type: SourceType;
  at: number | null;
  collectedBy: CollectedBy;
  evidence: readonly string[];
  sponsors: { count: number; named: boolean } | null;
  clientAttested: boolean;
  legitimateInterest: LegitimateInterest | null;
}

export interface Consent {
  channel: Channel;
  method: ConsentMethod;
  at: number;
  confirmedAt: number | null;
  evidence: readonly string[];
  categories: readonly string[];
  withdrawnAt: number | null;
}

export interface Purchase { at: number; categories: readonly string[] }
export interface Inquiry { at: number }
export interface Activity { type: ActivityType; at: number }
export interface Suppression { reason: SuppressionReason; at: number; channel: Channel | 'all'; scope: SuppressionScope }
export interface Bounce { type: BounceType; at: number; status: string | null }

export interface Contact {
  /** Normalised address (domain lower-cased and in punycode), or null when none was given. */
  email: string | null;
  /** Whether `email` is a role address (info@, sales@ …); `parseCase` fills it, the engine computes it if absent. */
  roleAddress?: boolean;
  phone: string | null;
  /** ISO 3166-1 alpha-2, upper case; `UK` is stored as `GB`. */
  country: string;
  kind: Kind;
  /** Midnight UTC of the birth date. */
  birthDate: number | null;
  source: Source;
  consents: readonly Consent[];
  purchases: readonly Purchase[];
  inquiries: readonly Inquiry[];
  activity: readonly Activity[];
  suppressions: readonly Suppression[];
  bounces: readonly Bounce[];
  registries: readonly string[];
}

export interface Message {
  channel: Channel;
  purpose: Purpose;
  categories: readonly string[];
}

export interface ParsedCase {
  id: string | null;
  /** The moment of sending. */
  at: number;
  policies: readonly PolicyPack[];
  contact: Contact;
  message: Message;
  /** The workspace's settings (RULES.md Part 4 switches); absent means `DEFAULT_WORKSPACE_POLICY`. */
  workspacePolicy?: Readonly<WorkspacePolicy>;
}

// ---------------------------------------------------------------------------------------------------------------
// Output

export interface Reason {
  code: ReasonCode;
  effect: Effect;
  policy: PolicyPack;
  /** A rule id of shared/RULES.md where one fits. */
  rule: string;
  text: string;
}

/** The engine's answer; `validUntil` is epoch milliseconds here and an ISO string in `AnswerJson`. */
export interface Answer {
  id: string | null;
  verdict: Verdict;
  basis: Basis | null;
  reasons: readonly Reason[];
  validUntil: number | null;
}

/** One output line of the contract. */
export interface AnswerJson {
  id?: string;
  verdict: Verdict;
  basis: Basis | null;
  reasons: Reason[];
  validUntil: string | null;
}

/** One error line of the contract. */
export interface InputError {
  code: 'invalid_input';
  path: string;
  message: string;
}

export interface ErrorLineJson {
  id?: string;
  line?: number;
  error: InputError;
}
