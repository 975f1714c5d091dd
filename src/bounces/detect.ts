import { type FieldBlock, firstAddress } from './fields.js';

/** Headers that mark an automatic reply (RFC 3834 and the common vendor forms). */
export function isAutoReply(headers: FieldBlock, subject: string): boolean {
  const auto = (headers.get('auto-submitted') ?? '').toLowerCase();
  if (auto.startsWith('auto-replied')) return true;
  if (headers.has('x-autoreply') || headers.has('x-autorespond') || headers.has('x-autoresponder')) return true;
  if (/vacation/i.test(headers.get('x-apple-action') ?? '')) return true;
  const precedence = (headers.get('precedence') ?? '').toLowerCase();
  if (precedence === 'auto_reply') return true;
  if (/^(?:auto(?:matic)? ?(?:reply|response|antwort)|out of (?:the )?office|abwesenheitsnotiz|r[ée]ponse automatique|vacation|autoreply|away from)/i.test(subject.replace(/^(?:re|aw|fw|fwd):\s*/i, ''))) return true;
  if (/^auto:/i.test(subject)) return true;
  return false;
}

/** Senders and subjects of returned mail: mailer daemons and their usual subject lines. */
const BOUNCE_SENDER = /^(?:mailer-daemon|post_?master|mail-daemon|mailerdaemon|mail delivery (?:system|subsystem)|maildaemon|mdaemon)|\b(?:mailer-daemon|postmaster|mail delivery (?:system|subsystem))\b/i;
const BOUNCE_SUBJECT = /undeliver|undelivered|delivery (?:status notification|failure|failed|problem|report|has failed|notification)|returned mail|mail delivery failed|failure notice|could not be delivered|non[- ]?delivery|delivery fail|returned to sender|nondeliverable|mail system error|message not delivered|not delivered|unable to deliver|delivery error|warning: (?:could not|delayed)|delayed mail|\bdelayed\b|rejected|mail failure|bounce|delivery incomplete|unzustellbar|zustellung|non remis|erreur|permanent error|temporary error|failed delivery|delivery notification/i;

/** Whether the sender is a mail system's own mailbox (MAILER-DAEMON, postmaster…). */
export function fromMailSystem(from: string, returnPath: string): boolean {
  return BOUNCE_SENDER.test(from) || BOUNCE_SENDER.test(returnPath.replace(/^\s*<|>\s*$/g, ''));
}

/** Whether a subject line is one of the usual subjects of returned mail. */
export function returnedSubject(subject: string): boolean {
  return BOUNCE_SUBJECT.test(subject);
}

/** Words that say a body reports a failure, used when the sender and subject alone do not. */
export const FAILURE_WORDS = /could not be delivered|couldn'?t be delivered|undeliverable|delivery (?:has )?failed|permanent (?:error|failure)|failed (?:permanently|recipients?)|was not delivered|wasn'?t able to deliver|not able to deliver|unable to deliver|delivery to the following recipients? failed|returned to sender|message could not be sent|has not (?:yet )?been delivered/i;

/** Words that say a notice is only a delay. */
export const DELAY_WORDS = /\b(?:delayed|will (?:continue|keep|retry|be retried|try again)|still trying|not yet been delivered|has not yet been delivered|temporary failure|retry until)\b/i;

/** What the returned-mail test looks at. */
export interface ReturnedMailInput {
  headers: FieldBlock;
  subject: string;
  from: string;
  ownText: string;
  originalHeaders: FieldBlock;
}

/**
 * Whether a message without a DSN part is returned mail: sent by a mailer daemon (or with the null return path
 * of RFC 5321 bounces), and saying so in its words. A person writing about a failed delivery is not a bounce.
 */
export function isReturnedMail(context: ReturnedMailInput): boolean {
  if (context.headers.has('x-failed-recipients')) return true;
  // A mailing list refusing our post (FML, Mailman…): the list is the recipient that failed.
  const fromList = context.headers.has('list-id') || context.headers.has('list-subscribe') || context.headers.has('x-mlserver') || /-(?:admin|owner|request)@/i.test(context.from);
  if (fromList && /^\s*you are not a member of (?:this|the) (?:mailing )?list|\bpost(?:ed)? by (?:a )?non-?member|\bnon-?member (?:post|submission)s? (?:is|are) (?:not allowed|rejected)/im.test(context.ownText)) return true;
  const returnPath = (context.headers.get('return-path') ?? '').trim();
  const nullSender = returnPath === '<>' || returnPath === '';
  const evidence = FAILURE_WORDS.test(context.ownText) || /\b[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b|\(#[45]\.\d\.\d+\)|\b[45]\d\d\b[^\n]{0,80}\b(?:user|mailbox|recipient|address|host|domain)\b/i.test(context.ownText);
  const report = /multipart\/report/i.test(context.headers.get('content-type') ?? '');
  const subject = returnedSubject(context.subject);
  if (fromMailSystem(context.from, returnPath) && (subject || evidence || report)) return true;
  // Without a mailer-daemon sender or a report type, it takes the null sender, failure words, and either a
  // usual subject or a returned copy sent by a system mailbox (no-reply@…): a person forwarding one is not a bounce.
  const systemSender = /no-?reply|daemon|postmaster|mailer|notification|bounce|admin/i.test(firstAddress(context.from));
  const returnedCopy = context.originalHeaders.size > 0 && systemSender;
  // An .eml saved without its Return-Path says nothing about the envelope: only an explicit <> or a system sender counts.
  const fromSystem = returnPath === '<>' || (nullSender && systemSender);
  if (isAutoReply(context.headers, context.subject) || !context.headers.has('from')) return false;
  if (fromSystem && (subject || report || returnedCopy) && evidence) return true;
  // A whole bounce forwarded inline (transcript and codes, not a person's summary of one) is still read.
  return nullSender && subject && STRUCTURE.test(context.ownText);
}

/** The structure of a mail system's report, as opposed to a person's words about a failure. */
const STRUCTURE = /\b[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b|transcript of session|permanent fatal errors|the following addresses? (?:had|failed)|could not be delivered to one or more|\(#[45]\.\d\.\d+\)/i;
