import { simpleParser, type ParsedMail } from 'mailparser';
import { fromMailSystem, isAutoReply, isReturnedMail } from './detect.js';
import { type FieldBlock, firstAddress, normaliseNewlines, readFieldBlocks, readHeaderBlock, stripTypePrefix } from './fields.js';
import { readFeedbackReport } from './feedback.js';
import { readJsonNotification } from './json-notification.js';
import { type Context, embeddedDsn, fromDsn, fromText, kindOf } from './recipients.js';
import { oneLine, splitOriginal } from './text-report.js';
import type { OriginalMessage, RecipientReport, Report } from './types.js';

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
  const originalHeaders = readHeaderBlock(originalRaw || headerStart(inlineOriginal));
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
  if (isReturnedMail(context)) {
    const recipients = fromText(context);
    if (recipients.length > 0) return { kind: kindOf(recipients, context), recipients, original };
  }
  if (isAutoReply(headers, subject)) {
    const address = firstAddress(from) || firstAddress(headers.get('reply-to'));
    const recipient: RecipientReport = {
      address, action: 'replied', status: '', replyCode: '', reason: 'vacation', hard: false, diagnostic: oneLine(subject),
    };
    return { kind: 'auto_reply', recipients: address ? [recipient] : [], original };
  }
  return { kind: 'not_bounce', recipients: [], original };
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
