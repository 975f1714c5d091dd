import { PSEUDO_DETAIL, STATUS_RULES, STRONG_RULES, TEXT_RULES, WEAK_RULES } from './reason-rules.js';
import type { Reason } from './types.js';

const ENHANCED = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/g;
const REPLY = /(?:^|[\s:;(\[<>"'=#])([245][0-5]\d)(?=[\s\-.,;:)\]]|$)/g;

/** The most specific RFC 3463 failure status in a text ("5.1.1"); a success code only when nothing failed; empty when none. */
export function findStatus(text: string): string {
  let general = '';
  let success = '';
  for (const m of text.matchAll(ENHANCED)) {
    const code = `${m[1]}.${m[2]}.${m[3]}`;
    if (m[1] === '2') success ||= code;
    else if (m[2] !== '0' || m[3] !== '0') return code;
    else general ||= code;
  }
  return general || success;
}

/** The first SMTP reply code in a text, of the class asked for; without one, a failure (4xx/5xx) before a 2xx. */
export function findReplyCode(text: string, cls = ''): string {
  // Transcripts quote the 250s that came before the failure.
  if (!cls) return firstReply(text, (code) => code[0] !== '2') || firstReply(text, () => true);
  return firstReply(text, (code) => code[0] === cls);
}

function firstReply(text: string, accept: (code: string) => boolean): string {
  for (const m of text.matchAll(REPLY)) {
    const code = m[1];
    if (!accept(code)) continue;
    // A bare year or count ("in 250 days") is not a reply; reply codes lead a line or follow a colon.
    const before = text.slice(Math.max(0, m.index - 14), m.index + 1);
    const lead = m.index === 0 || /[:;(\[<"'=#]\s*$|\n\s*$|said:?\s*$|response ?code:?\s*$|^\s*$/i.test(before) || /\d{3}[ -]\d\.\d/.test(text.slice(m.index, m.index + 12));
    if (lead) return code;
  }
  return '';
}

/** The reason the words of a diagnostic give; undefined when none of the known wordings is there. */
export function reasonFromText(text: string): Reason | undefined {
  if (!text) return undefined;
  // The same words are often asked twice in a row (to choose them, then to classify them).
  if (text === lastWords) return lastWordsReason;
  lastWords = text;
  lastWordsReason = wordsReason(text);
  return lastWordsReason;
}

let lastWords: string | undefined;
let lastWordsReason: Reason | undefined;

function wordsReason(text: string): Reason | undefined {
  // "Recipient address rejected: <why>" (Postfix): the words after the colon say why; alone, the mailbox is unknown.
  const rejected = /recipient address rejected\b:?\s*/i.exec(text);
  if (rejected) {
    const why = firstRule(TEXT_RULES, text.slice(rejected.index + rejected[0].length));
    return why && why !== 'blocked' && why !== 'rejected' ? why : 'userunknown';
  }
  return firstRule(TEXT_RULES, text);
}

function firstRule(rules: ReadonlyArray<readonly [Reason, RegExp]>, text: string): Reason | undefined {
  for (const [reason, pattern] of rules) if (pattern.test(text)) return reason;
  return undefined;
}

const GENERIC_UNKNOWN = /\b(?:user unknown|unknown user|no such user)\b/i;

/** The reason an enhanced status code alone gives; undefined when the code is too general. */
export function reasonFromStatus(status: string): Reason | undefined {
  for (const [pattern, reason] of STATUS_RULES) if (pattern.test(status)) return reason;
  return undefined;
}

/** Codes precise enough to outrank the wording around them. */
const DECISIVE = /^[45]\.(?:1\.[26]|2\.[23]|3\.4|4\.5|6\.\d+|7\.(?:2[3-7]|509|51\d|606|650|13|9))$/;

/** The first status quoted right after a reply code of the same class ("550 5.1.1", "421-4.4.2"); empty when none. */
function pairedStatus(text: string): string {
  let success = '';
  for (const m of text.matchAll(/(?<!\d)([245])\d\d[ -]+['"(]?([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/g)) {
    if (m[1] !== m[2]) continue;
    if (m[1] !== '2') return `${m[2]}.${m[3]}.${m[4]}`;
    success ||= `${m[2]}.${m[3]}.${m[4]}`;
  }
  return success;
}

/**
 * Chooses between the status a report states and the one its diagnostic quotes (or, when the diagnostic quotes
 * none, the words about the recipient): the quoted one is the remote server's own word, so it wins unless it is
 * only a class ("5.0.0") or contradicts its reply code.
 */
export function preferStatus(given: string, diagnostic: string, fallback = ''): string {
  const source = findStatus(diagnostic) ? diagnostic : fallback;
  const paired = pairedStatus(source);
  const quoted = paired || findStatus(source);
  if (!given) return quoted;
  if (!quoted || quoted === given) return given;
  if (/\.0\.0$/.test(given)) return quoted[0] === given[0] ? quoted : given;
  if (/\.0\.0$/.test(quoted)) return given;
  if (paired) return paired;
  const reply = findReplyCode(source);
  return !reply || reply[0] === quoted[0] ? quoted : given;
}

/** The SMTP command a failure answered, when the report says so. */
export type SmtpStage = 'connect' | 'mail' | 'rcpt' | 'data' | '';

/** Finds which SMTP command a transcript or diagnostic says was refused (Exim says "after pipelined RCPT TO"). */
export function findStage(raw: string): SmtpStage {
  const text = raw.replace(/\s+/g, ' ');
  if (/\b(?:after|in reply to)(?: pipelined)? (?:end of )?data\b|>>>+ ?data\b|smtp command\s+data\b/i.test(text)) return 'data';
  if (/\b(?:after|in reply to|our)(?: pipelined)? rcpt(?: to)?\b|>>>+ ?rcpt to\b|\bdoes not like recipient\b|\bsmtp:rcpt\b/i.test(text)) return 'rcpt';
  if (/\b(?:after|in reply to)(?: pipelined)? mail from\b|>>>+ ?mail from\b/i.test(text)) return 'mail';
  if (/\bafter initial connection|\b(?:after|in reply to) (?:helo|ehlo)\b|>>>+ ?(?:helo|ehlo)\b/i.test(text)) return 'connect';
  return '';
}

// A refusal of MAIL FROM is about the sender, whatever the words; so is one at the greeting, about the host.

const MAX_WORDS = 8192;

/**
 * Servers wrap long replies: rules match on one line of words. The words that matter come first; capping them
 * keeps the rules linear on a huge (or hostile) message.
 */
export function flatWords(text: string): string {
  return text.slice(0, MAX_WORDS).replace(/\s+/g, ' ');
}

// Every recipient of one report falls back on the same report text: its reason is worked out once.
let lastContext: string | undefined;
let lastContextReason: Reason | undefined;
function contextReason(text: string): Reason | undefined {
  if (text !== lastContext) {
    lastContext = text;
    lastContextReason = reasonFromText(flatWords(text));
  }
  return lastContextReason;
}

/**
 * Names the reason of one failed recipient from its status and diagnostic words (flattened with flatWords), then
 * the rest of the report (`context`, as it is).
 */
export function classifyReason(input: { status: string; diagnostic: string; action?: string; stage?: SmtpStage; replyCode?: string; context?: string }): Reason {
  if (input.action === 'delivered' || input.action === 'relayed' || input.action === 'expanded') return 'delivered';

  let reason: Reason;
  if (DECISIVE.test(input.status)) {
    // Spam and malformed-message verdicts are often given under a generic content code (5.6.0): the words win.
    const strong = firstRule(STRONG_RULES, input.diagnostic);
    reason = strong === 'spamdetected' || strong === 'notcompliantrfc' ? strong : reasonFromStatus(input.status)!;
  }
  else {
    // The words about this recipient first, then its status, then the rest of the report (which may be about others).
    reason = reasonFromText(input.diagnostic)
      ?? (input.action === 'delayed' ? 'expired' : reasonFromStatus(input.status))
      ?? contextReason(input.context ?? '')
      ?? firstRule(WEAK_RULES, input.diagnostic) ?? (input.context ? firstRule(WEAK_RULES, flatWords(input.context)) : undefined) ?? 'undefined';
  }
  const temporary = input.status.startsWith('4') || input.action === 'delayed';
  if (reason === 'hostunknown' && temporary) return 'networkerror';
  if (reason === 'userunknown' && input.stage !== 'rcpt' && !/^[45]\.1\./.test(input.status)) {
    // Refused after the recipient was accepted (DATA), or with a status that names another cause than the
    // address (5.2.1 mailbox disabled, 5.3.0 system, 5.7.1 policy): "user unknown" there is a filter's answer.
    if (input.stage === 'data' && GENERIC_UNKNOWN.test(input.diagnostic)) return 'filtered';
    // Postfix's "Recipient address rejected" is its answer to RCPT TO, whatever the code.
    const atRcpt = /recipient address rejected/i.test(input.diagnostic);
    if (input.status && !/\.0\.0$|^[45]\.5\./.test(input.status) && !atRcpt) return 'filtered';
    // A bare "550 user unknown" quoted from another server, with neither an enhanced code nor the command it
    // answered: a refusal at RCPT TO and a filter's refusal after DATA read the same, so it is not proof enough
    // to suppress the address at once (soft: it still counts towards the soft-bounce limit). 551 ("user not
    // local", RFC 5321) answers RCPT TO only.
    const bareReply = /^5\d\d$/.test(input.replyCode ?? '') && input.replyCode !== '551';
    if (!input.stage && !input.status && !atRcpt && bareReply && GENERIC_UNKNOWN.test(input.diagnostic)) return 'filtered';
  }
  if (input.stage === 'mail' && (reason === 'undefined' || reason === 'userunknown' || reason === 'hostunknown')) return 'rejected';
  if (input.stage === 'connect' && (reason === 'undefined' || reason === 'rejected' || reason === 'systemerror')) return 'blocked';
  return reason;
}

/** Hard means the address itself is dead (the contract): only these reasons, and notaccept only when permanent. */
export function isHard(reason: Reason, status: string, replyCode: string): boolean {
  if (reason === 'userunknown' || reason === 'hostunknown' || reason === 'hasmoved') return true;
  if (reason === 'notaccept') return status.startsWith('5') || (!status && replyCode.startsWith('5'));
  return false;
}

/** The status to report: the given one, else a pseudo code "C.0.9xx" named by the reason. */
export function completeStatus(input: { status: string; replyCode: string; reason: Reason; temporary: boolean }): string {
  if (input.status) return input.status;
  const detail = PSEUDO_DETAIL[input.reason];
  if (!detail) return '';
  const cls = input.replyCode ? input.replyCode[0] : input.temporary ? '4' : '5';
  return `${cls === '2' ? '5' : cls}.0.${detail}`;
}
