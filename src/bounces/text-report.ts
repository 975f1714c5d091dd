import { findAddresses } from './fields.js';

/** Lines where a returned message's own words end and its copy of the original begins. */
const ORIGINAL_MARKERS = [
  /^[ \t>]*[-=_*]{2,}.*(?:original message|copy of (?:the |your )?message|returned message|message headers|below this line|undelivered message|headers? of (?:the |your )?(?:original )?message|message follows|rfc ?822|original mail|unsent message|message text follows|first \d+ lines|message body)/im,
  /^[ \t]*(?:original message (?:follows|headers?)|the original message (?:headers? )?(?:is|are|follows)\b|below (?:is|are) (?:the )?(?:a )?(?:copy|original|headers)|your message (?:reads|header)|-+ ?original message ?-+|the headers of (?:the|your) original|included is a copy|a copy of the (?:original|returned) message)/im,
  /^(?:Return-Path|Received|Message-I[Dd]|X-[A-Za-z0-9-]+|From|Date|Subject|To|MIME-Version|Content-Type|DKIM-Signature):[^\n]*\n(?:(?:[A-Za-z0-9-]+:|[ \t])[^\n]*\n){3,}/m,
];

/** Splits a bounce's text into its own words and the copy of the original message that follows. */
export function splitOriginal(text: string): { report: string; original: string } {
  // A report's own words are short; past this, whatever follows is a copy of the message or noise.
  let cut = Math.min(text.length, 64 * 1024);
  for (const marker of ORIGINAL_MARKERS) {
    const m = marker.exec(text);
    if (m && m.index < cut && m.index > 0) cut = m.index;
  }
  return { report: text.slice(0, cut), original: text.slice(cut, cut + 256 * 1024) };
}

/** Addresses that are never a failed recipient: the mail system's own mailboxes. */
const SYSTEM_MAILBOX = /^(?:postmaster|mailer-daemon|mail-daemon|maildaemon|abuse|hostmaster|root|noreply|no-reply|bounce[s]?|nobody)@/i;

export interface TextRecipient {
  address: string;
  /** The words about this recipient: from its first mention up to the next recipient's. */
  segment: string;
}

/** Finds the recipients a human-readable bounce names, and the words about each. */
export function scanRecipients(report: string, exclude: ReadonlySet<string>): TextRecipient[] {
  const mentions: Array<{ address: string; index: number }> = [];
  const helpdesks = new Set<string>();
  for (const found of findAddresses(report)) {
    // A Message-ID looks like an address but names a message.
    const lineStart = report.lastIndexOf('\n', found.index) + 1;
    if (/^[\s>]*(?:message-id|references|in-reply-to|x-[\w-]+)\s*:/i.test(report.slice(lineStart, found.index))) continue;
    // "(generated from x)", "(expanded from: <x>)": the alias the recipient was reached through, not a recipient.
    if (/(?:generated|expanded) from:?\s*<?$/i.test(report.slice(Math.max(0, found.index - 30), found.index))) continue;
    if (exclude.has(found.address) || SYSTEM_MAILBOX.test(found.address)) continue;
    // The envelope sender, or the From of a summary of the original, is us, not a failed recipient.
    if (/(?:mail from|^[\s>]*from|envelope-from|sender):?\s*<?$/i.test(report.slice(lineStart, found.index))) continue;
    // "For further assistance, please contact <support@…>": the reporting site's helpdesk.
    if (/\bcontact:?\s*<?$/i.test(report.slice(Math.max(0, found.index - 20), found.index))) {
      helpdesks.add(found.address);
      continue;
    }
    mentions.push(found);
  }
  const named = new Set(mentions.filter((m) => !helpdesks.has(m.address)).map((m) => m.address));
  const seen = new Set<string>(helpdesks);
  const out: TextRecipient[] = [];
  for (const found of mentions) {
    if (seen.has(found.address)) continue;
    seen.add(found.address);
    // The words about a recipient end where another recipient is named (a report may repeat itself in two languages).
    const next = mentions.find((m) => m.index > found.index && m.address !== found.address && !helpdesks.has(m.address));
    const start = transcriptStart(report, report.lastIndexOf('\n', found.index) + 1, named);
    const end = next ? Math.max(found.index + found.address.length, transcriptStart(report, report.lastIndexOf('\n', next.index) + 1, named)) : report.length;
    out.push({ address: found.address, segment: report.slice(start, Math.min(end, start + 1500)) });
  }
  return out;
}

/**
 * In a sendmail transcript the remote server's words are the "<<<" reply above a recipient's own line
 * ("554 <a@b.c>... Remote protocol error"), with the client's own status lines between: the recipient's words
 * start there, unless another recipient's line comes first.
 */
function transcriptStart(report: string, lineStart: number, recipients: ReadonlySet<string>): number {
  let start = lineStart;
  for (let i = 0; i < 6 && start > 0; i += 1) {
    const prev = report.lastIndexOf('\n', start - 2) + 1;
    const line = report.slice(prev, start);
    if (!/^\s*(?:<<<|>>>|\d{3}\s)/.test(line) || [...recipients].some((a) => line.toLowerCase().includes(a))) break;
    start = prev;
  }
  return start;
}

/** Collapses whitespace for a one-line diagnostic. */
export function oneLine(text: string, max = 600): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max) : flat;
}
