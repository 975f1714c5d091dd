/** What a returned message is, as a whole. */
export type ReportKind =
  | 'bounce'
  | 'delayed'
  | 'delivered'
  | 'complaint'
  | 'auto_reply'
  | 'not_bounce'
  | 'unreadable';

/** The reason vocabulary of the contract (Sisimai's, the reference bounce classifier). */
export const REASONS = [
  'authfailure', 'badreputation', 'blocked', 'contenterror', 'delivered', 'exceedlimit', 'expired',
  'failedstarttls', 'feedback', 'filtered', 'hasmoved', 'hostunknown', 'mailboxfull', 'mailererror',
  'mesgtoobig', 'networkerror', 'norelaying', 'notaccept', 'notcompliantrfc', 'onhold', 'policyviolation',
  'ratelimited', 'rejected', 'requireptr', 'securityerror', 'spamdetected', 'speeding', 'suspend',
  'syntaxerror', 'systemerror', 'systemfull', 'toomanyconn', 'undefined', 'userunknown', 'vacation',
  'virusdetected',
] as const;
export type Reason = (typeof REASONS)[number];

export const FEEDBACK_TYPES = ['abuse', 'fraud', 'opt-out', 'auth-failure', 'not-spam', 'virus', 'other'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

/** The DSN action (RFC 3464), or what a non-standard report amounts to. */
export type RecipientAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded' | 'complained' | 'replied';

/** One failed, delayed or reported recipient. */
export interface RecipientReport {
  /** The final recipient, lower-cased. */
  address: string;
  action: RecipientAction;
  /** RFC 3463 enhanced status code; empty when nothing gives one. */
  status: string;
  /** SMTP reply code, empty when none is given. */
  replyCode: string;
  reason: Reason;
  /** True when the address itself is dead and must be suppressed at once. */
  hard: boolean;
  diagnostic: string;
  feedbackType?: FeedbackType;
}

/** What intake needs to match a returned message to the send it answers. */
export interface OriginalMessage {
  /** Message-ID of the message we sent, without angle brackets. */
  messageId?: string;
  /** The To address of the message we sent (lower-cased). */
  to?: string;
  /** The envelope recipient, when the report names it (X-Original-To, Original-Recipient…). */
  envelopeRecipient?: string;
  /** The address the returned mail was delivered to: for us, the VERP return path. */
  returnPath?: string;
}

/** The parser's answer for one message. */
export interface Report {
  kind: ReportKind;
  recipients: RecipientReport[];
  original: OriginalMessage;
  /** Why the message could not be read (kind `unreadable`). */
  error?: string;
}
