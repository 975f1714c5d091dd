import { classifyReason, completeStatus, findReplyCode, findStage, flatWords, isHard, preferStatus, reasonFromText, type SmtpStage } from './classify.js';
import { DELAY_WORDS } from './detect.js';
import { type FieldBlock, findAddresses, firstAddress, readFieldBlocks, stripTypePrefix } from './fields.js';
import { oneLine, scanRecipients, type TextRecipient } from './text-report.js';
import type { OriginalMessage, RecipientAction, RecipientReport, Report } from './types.js';

/** What the recipient readers need to know of the message around them. */
export interface Context {
  headers: FieldBlock;
  subject: string;
  from: string;
  ownText: string;
  text: string;
  originalHeaders: FieldBlock;
  original: OriginalMessage;
  /** The SMTP stage the whole report names, worked out once (see findStage). */
  stage?: SmtpStage;
}

/** The recipients a DSN reports (RFC 3464), each completed with the words the human-readable part says of it. */
export function fromDsn(dsnText: string, context: Context): RecipientReport[] {
  const segments = new Map(scanRecipients(context.ownText, new Set()).map((r) => [r.address, r.segment]));
  const out: RecipientReport[] = [];
  for (const block of readFieldBlocks(dsnText, { splitOnRepeat: true })) {
    const recipientField = block.get('final-recipient') ?? block.get('original-recipient');
    if (recipientField === undefined) continue;
    const address = firstAddress(stripTypePrefix(recipientField)) || firstAddress(block.get('original-recipient')) || firstAddress(block.get('x-actual-recipient'));
    const action = normaliseAction(block.get('action'));
    const given = (/\d\.\d{1,3}\.\d{1,3}/.exec(block.get('status') ?? '') ?? [''])[0];
    const rawDiagnostic = block.get('diagnostic-code') ?? '';
    // The type says what kind of program answered: an X-Unix code is a local mailer's exit status.
    const diagnosticField = /^\s*x-unix\s*;/i.test(rawDiagnostic) ? `mailer error (x-unix): ${stripTypePrefix(rawDiagnostic)}` : stripTypePrefix(rawDiagnostic);
    const segment = segments.get(address) ?? (segments.size === 0 ? '' : [...segments.values()][0]);
    out.push(describe({ address, action, given, diagnosticField, segment, context }));
  }
  return dedupe(out);
}

/** The recipients a human-readable bounce names (no DSN part), with the words about each. */
export function fromText(context: Context): RecipientReport[] {
  const exclude = new Set<string>();
  for (const value of [context.headers.get('to'), context.from, context.originalHeaders.get('from'), context.headers.get('return-path')]) {
    for (const found of findAddresses(value ?? '')) exclude.add(found.address);
  }
  let found: TextRecipient[] = scanRecipients(context.ownText, exclude);
  // Mail returned to its own sender names the sender as the failed recipient too.
  if (found.length === 0) found = scanRecipients(context.ownText, new Set());
  const failedHeader = findAddresses(context.headers.get('x-failed-recipients') ?? '').map((a) => a.address);
  if (failedHeader.length > 0) {
    const byAddress = new Map(found.map((r) => [r.address, r.segment]));
    found = failedHeader.map((address) => ({ address, segment: byAddress.get(address) ?? context.ownText }));
  }
  if (found.length === 0) {
    const to = context.original.to ?? '';
    if (!to) return [];
    found = [{ address: to, segment: context.ownText }];
  }
  const failing = DELAY_WORDS.test(context.subject) && !/permanent|giving up|gave up|fatal/i.test(context.ownText) ? 'delayed' : 'failed';
  return found.map((r) => {
    const recipient = describe({ address: r.address, action: failing, given: '', diagnosticField: '', segment: r.segment, context });
    return refusedByGroup(recipient) ?? recipient;
  });
}

function describe(input: { address: string; action: RecipientAction; given: string; diagnosticField: string; segment: string; context: Context }): RecipientReport {
  const { address, action, given, diagnosticField, segment, context } = input;
  const status = preferStatus(given, diagnosticField, segment);
  const quoted = `${diagnosticField}\n${segment}`;
  const replyCode = findReplyCode(quoted, status[0] === '2' || status[0] === '4' || status[0] === '5' ? status[0] : '');
  // The diagnostic's words if they name a reason, else the words about this recipient in the report.
  const words = flatWords(diagnosticField);
  const wording = words && reasonFromText(words) ? words : `${words} ${flatWords(segment)}`.trim();
  const stage = findStage(quoted) || (context.stage ??= findStage(context.ownText));
  const diagnostic = oneLine(diagnosticField || serverWords(segment.replace(address, '').replace(/^[\s<>:,]+/, '')));
  let reason = classifyReason({ status, diagnostic: wording, action, stage, replyCode, context: context.ownText });
  // 551 is "user not local; please try <forward-path>" (RFC 5321): the address has moved.
  if (replyCode === '551' && reason === 'userunknown' && /^(?:5\.1\.1|5\.0\.0|)$/.test(status)) reason = 'hasmoved';
  const temporary = reason === 'expired'
    // Exim gives up on a temporary failure ("retry timeout exceeded"); its X-Failed-Recipients marks its bounces.
    ? /temporary failure(?! report)/i.test(quoted) || replyCode.startsWith('4') || (context.headers.has('x-failed-recipients') && !/permanent failure/i.test(quoted))
    : action === 'delayed' || replyCode.startsWith('4') || (!replyCode && given.startsWith('4'));
  let finalStatus = reason === 'delivered' ? status : completeStatus({ status, replyCode, reason, temporary });
  if (reason === 'hasmoved' && finalStatus !== '5.1.6' && replyCode === '551') finalStatus = '5.1.6';

  return { address, action, status: finalStatus, replyCode, reason, hard: isHard(reason, finalStatus, replyCode), diagnostic };
}

/**
 * Google Groups answers a post it will not take (no such group, or no permission to post) in the poster's own
 * language; whatever the words, the group refused the message: it is neither a dead mailbox nor ours to count.
 */
function refusedByGroup(recipient: RecipientReport): RecipientReport | undefined {
  if (!recipient.address.endsWith('@googlegroups.com') || !['undefined', 'onhold', 'userunknown'].includes(recipient.reason)) return undefined;
  const status = /\.0\.9\d\d$/.test(recipient.status) || !recipient.status ? '5.0.918' : recipient.status;
  return { ...recipient, reason: 'rejected', hard: false, status };
}

/** From a report's words about a recipient, the remote server's own reply when one is quoted ("550 5.1.1 …"). */
function serverWords(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  const m = /(?:^|[\s:;(\[<'"])((?:<<< )?[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\b|[^.]{0,20}\b(?:user|mailbox|recipient|address|domain|host|message|mail|service|sender|relay|access|spam|quota)\b).*)$/i.exec(flat);
  return m ? m[1].replace(/^<<< /, '') : flat;
}

function normaliseAction(value: string | undefined): RecipientAction {
  const word = (value ?? '').trim().toLowerCase().split(/[\s(;]/)[0];
  if (word === 'delayed' || word === 'delivered' || word === 'relayed' || word === 'expanded') return word;
  if (word === 'deliverable') return 'delivered';
  return 'failed';
}

/** The kind of a report from its recipients' actions. */
export function kindOf(recipients: RecipientReport[], context: Context): Report['kind'] {
  if (recipients.some((r) => r.action === 'failed')) return 'bounce';
  if (recipients.some((r) => r.action === 'delayed')) return DELAY_WORDS.test(context.subject) || recipients.every((r) => r.status.startsWith('4')) ? 'delayed' : 'bounce';
  return 'delivered';
}

function dedupe(recipients: RecipientReport[]): RecipientReport[] {
  const seen = new Set<string>();
  return recipients.filter((r) => {
    const key = `${r.address}|${r.action}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** DSN fields written straight into a text part (some servers skip the message/delivery-status part). */
export function embeddedDsn(text: string): string {
  const start = text.search(/^(?:Final|Original)-Recipient:/im);
  if (start === -1 || !/^Action:/im.test(text.slice(start)) && !/^Status:/im.test(text.slice(start))) return '';
  const head = text.slice(0, start).lastIndexOf('\n\n');
  return text.slice(head === -1 ? 0 : head);
}
