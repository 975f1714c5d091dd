import type { FieldBlock } from './fields.js';

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
