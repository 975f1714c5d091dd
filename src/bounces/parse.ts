import { simpleParser, type ParsedMail } from 'mailparser';
import { classifyReason, completeStatus, findReplyCode, findStage, isHard, preferStatus, reasonFromText } from './classify.js';
import { DELAY_WORDS, FAILURE_WORDS, fromMailSystem, isAutoReply, returnedSubject } from './detect.js';
import { type FieldBlock, firstAddress, findAddresses, normaliseNewlines, readFieldBlocks, readHeaderBlock, stripTypePrefix } from './fields.js';
import { readFeedbackReport } from './feedback.js';
import { readJsonNotification } from './json-notification.js';
import { oneLine, scanRecipients, splitOriginal, type TextRecipient } from './text-report.js';
import type { OriginalMessage, RecipientAction, RecipientReport, Report } from './types.js';

// Only the MIME tree is wanted: HTML rendering, link detection and checksums would cost most of the time.
const PARSER_OPTIONS = {
  skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true,
  keepDeliveryStatus: true, checksumAlgo: false,
} as const;

const ORIGINAL_TYPES = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'text/rfc822-header', 'message/global-headers', 'message/partial']);
const DSN_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);

/**
 * Reads one returned message (bounce, delay notice, feedback report, automatic reply) and says, per recipient,
 * what happened. Never throws: a message that cannot be read comes back as kind `unreadable` with an error.
 */
export async function parseReturnedMail(raw: Buffer | string): Promise<Report> {
  try {
    const buffer = toParserInput(raw);
    if (!/^[\x21-\x39\x3b-\x7e]+:/m.test(buffer.subarray(0, 8192).toString('latin1'))) {
      return unreadable('no mail header found: this is not an email message');
    }
    return await readMail(buffer, 0);
  } catch (err) {
    return unreadable(`the message could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function unreadable(error: string): Report {
  return { kind: 'unreadable', recipients: [], original: {}, error };
}

/** mailparser wants LF or CRLF: bare CR (old Mac mail) is turned into LF, bytes kept as they are. */
function toParserInput(raw: Buffer | string): Buffer {
  let buffer = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  if (buffer.includes(13)) {
    const text = buffer.toString('latin1');
    if (/\r(?!\n)/.test(text)) buffer = Buffer.from(text.replace(/\r\n?/g, '\n'), 'latin1');
  }
  // An mbox "From " envelope line is not a header; drop it so the headers start the message.
  if (buffer.subarray(0, 5).toString('latin1') === 'From ') buffer = buffer.subarray(buffer.indexOf(10) + 1);
  return buffer;
}

async function readMail(buffer: Buffer, depth: number): Promise<Report> {
  const mail = await simpleParser(buffer, PARSER_OPTIONS as object);
  const report = interpret(mail, buffer);
  // A bounce of a bounce: the report we want is the returned message itself (one level down, no further).
  if (report.nested) {
    const inner = depth === 0 && fromMailSystem(mail.from?.text ?? '', '') ? await readMail(Buffer.from(report.nested, 'utf8'), depth + 1) : undefined;
    if (inner && inner.kind !== 'not_bounce') return inner;
    return strip({ ...interpret(mail, buffer, false) });
  }
  return strip(report);
}

function strip(report: Report & { nested?: string }): Report {
  const { nested: _nested, ...rest } = report;
  return rest;
}

function interpret(mail: ParsedMail, buffer: Buffer, followNested = true): Report & { nested?: string } {
  const headers = readFieldBlocks(mail.headerLines.map((h) => h.line).join('\n'))[0] ?? new Map<string, string>();
  const subject = mail.subject ?? '';
  const from = headers.get('from') ?? '';
  let text = mail.text ?? (typeof mail.html === 'string' ? htmlToPlain(mail.html) : '');
  if (!text.trim() && mail.attachments.length === 0) text = bodyOf(buffer);
  text = normaliseNewlines(text);

  const dsnParts: string[] = [];
  const feedbackParts: string[] = [];
  let originalRaw = '';
  for (const part of mail.attachments) {
    const type = part.contentType.toLowerCase();
    if (DSN_TYPES.has(type)) dsnParts.push(part.content.toString('utf8'));
    else if (type === 'message/feedback-report') feedbackParts.push(part.content.toString('utf8'));
    else if (ORIGINAL_TYPES.has(type) && !originalRaw) originalRaw = part.content.toString('utf8');
  }
  const { report: ownText, original: inlineOriginal } = splitOriginal(text);
  const originalHeaders = readHeaderBlock(normaliseNewlines(originalRaw) || headerStart(inlineOriginal));
  const original = describeOriginal(headers, originalHeaders);
  const context: Context = { headers, subject, from, ownText, text, originalHeaders, original };

  if (feedbackParts.length > 0) {
    return { kind: 'complaint', recipients: readFeedbackReport(feedbackParts.join('\n\n'), originalHeaders), original };
  }
  const json = readJsonNotification(text);
  if (json) return { kind: json.kind, recipients: json.recipients, original: { ...original, ...json.original } };

  // A bounce of a bounce: with no report of its own, the returned message is the report (readMail recurses).
  const nested = /^content-type:\s*multipart\/report/im.test(originalRaw) ? originalRaw : undefined;
  if (followNested && nested && dsnParts.length === 0 && feedbackParts.length === 0) return { kind: 'not_bounce', recipients: [], original, nested };
  const dsnText = dsnParts.length > 0 ? dsnParts.join('\n\n') : embeddedDsn(text);
  if (dsnText) {
    const recipients = fromDsn(dsnText, context);
    if (recipients.length > 0) return { kind: kindOf(recipients, context), recipients, original: withEnvelope(original, dsnText) };
  }
  if (isReturnedMail(context, mail)) {
    const recipients = fromText(context);
    if (recipients.length > 0) return { kind: kindOf(recipients, context), recipients, original };
  }
  if (isAutoReply(headers, subject)) {
    const address = firstAddress(headers.get('reply-to')) || firstAddress(from);
    const recipient: RecipientReport = {
      address, action: 'replied', status: '', replyCode: '', reason: 'vacation', hard: false, diagnostic: oneLine(subject),
    };
    return { kind: 'auto_reply', recipients: address ? [recipient] : [], original };
  }
  return { kind: 'not_bounce', recipients: [], original };
}

/**
 * Whether a message without a DSN part is returned mail: sent by a mailer daemon (or with the null return path
 * of RFC 5321 bounces), and saying so in its words. A person writing about a failed delivery is not a bounce.
 */
function isReturnedMail(context: Context, mail: ParsedMail): boolean {
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
  if (isAutoReply(context.headers, context.subject) || !mail.headers.has('from')) return false;
  if (fromSystem && (subject || report || returnedCopy) && evidence) return true;
  // A whole bounce forwarded inline (transcript and codes, not a person's summary of one) is still read.
  return nullSender && subject && STRUCTURE.test(context.ownText);
}

/** The structure of a mail system's report, as opposed to a person's words about a failure. */
const STRUCTURE = /\b[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b|transcript of session|permanent fatal errors|the following addresses? (?:had|failed)|could not be delivered to one or more|\(#[45]\.\d\.\d+\)/i;

interface Context {
  headers: FieldBlock;
  subject: string;
  from: string;
  ownText: string;
  text: string;
  originalHeaders: FieldBlock;
  original: OriginalMessage;
}

function describeOriginal(headers: FieldBlock, originalHeaders: FieldBlock): OriginalMessage {
  const original: OriginalMessage = {};
  const messageId = (originalHeaders.get('message-id') ?? '').replace(/^\s*<|>\s*$/g, '').trim();
  if (messageId) original.messageId = messageId;
  const to = firstAddress(originalHeaders.get('to'));
  if (to) original.to = to;
  const envelope = firstAddress(originalHeaders.get('x-original-to'));
  if (envelope) original.envelopeRecipient = envelope;
  for (const name of ['x-original-to', 'delivered-to', 'envelope-to', 'to']) {
    const address = firstAddress(headers.get(name));
    if (address) { original.returnPath = address; break; }
  }
  return original;
}

function withEnvelope(original: OriginalMessage, dsnText: string): OriginalMessage {
  if (original.envelopeRecipient) return original;
  const m = /^original-recipient:\s*(.*)$/im.exec(dsnText) ?? /^final-recipient:\s*(.*)$/im.exec(dsnText);
  const address = m ? firstAddress(stripTypePrefix(m[1])) : '';
  return address ? { ...original, envelopeRecipient: address } : original;
}

function fromDsn(dsnText: string, context: Context): RecipientReport[] {
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

function fromText(context: Context): RecipientReport[] {
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
  const wording = diagnosticField && reasonFromText(diagnosticField) ? diagnosticField : (reasonFromText(segment) ? segment : `${diagnosticField}\n${segment}`);
  const stage = findStage(quoted) || findStage(context.ownText);
  const diagnostic = oneLine(diagnosticField || serverWords(segment.replace(address, '').replace(/^[\s<>:,]+/, '')));
  let reason = classifyReason({ status, diagnostic: wording, action, stage, context: context.ownText });
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

function kindOf(recipients: RecipientReport[], context: Context): Report['kind'] {
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
function embeddedDsn(text: string): string {
  const start = text.search(/^(?:Final|Original)-Recipient:/im);
  if (start === -1 || !/^Action:/im.test(text.slice(start)) && !/^Status:/im.test(text.slice(start))) return '';
  const head = text.slice(0, start).lastIndexOf('\n\n');
  return text.slice(head === -1 ? 0 : head);
}

function headerStart(text: string): string {
  const at = text.search(/^[A-Za-z][A-Za-z0-9-]*:[ \t]/m);
  return at === -1 ? '' : text.slice(at);
}

function bodyOf(buffer: Buffer): string {
  const text = normaliseNewlines(buffer.toString('utf8'));
  const at = text.indexOf('\n\n');
  return at === -1 ? '' : text.slice(at + 2);
}

/** Enough of HTML's text to scan for words; rendering is not the point. */
function htmlToPlain(html: string): string {
  return html
    .replace(/<(?:script|style)[\s\S]*?<\/(?:script|style)>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(?:p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
