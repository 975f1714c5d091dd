/**
 * Email addresses: syntax per RFC 5321 §4.1.2 (Mailbox = Local-part "@" ( Domain / address-literal )), with the
 * RFC 6531 extension that lets a local part carry UTF-8, and internationalised domains turned into punycode.
 * The domain's case is folded (DNS is case-insensitive); the local part's case is kept (RFC 5321 §2.4).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { boundedMemo } from '../bounded-memo.js';

export type NormalizedEmail =
  | { ok: true; address: string; local: string; domain: string }
  | { ok: false; message: string };

// atext of RFC 5322 §3.2.3, plus any non-ASCII character (RFC 6531 UTF8-non-ascii).
const DOT_STRING = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uFFFF]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uFFFF]+)*$/;
// Quoted-string of RFC 5321: qtextSMTP (%d32-33 / %d35-91 / %d93-126) or a quoted-pair "\" %d32-126.
const QUOTED_STRING = /^"(?:[\x20\x21\x23-\x5B\x5D-\x7E\u0080-\uFFFF]|\\[\x20-\x7E])*"$/;
// sub-domain = Let-dig [Ldh-str]; a label of 1 to 63 characters.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ASCII_ONLY = /^[\x21-\x7E]*$/;

function fail(message: string): NormalizedEmail {
  return { ok: false, message };
}

type DomainResult = { ok: true; domain: string } | { ok: false; message: string };

// A list holds few distinct domains next to its many addresses: recent answers are remembered (bounded-memo.ts).
const checkDomain = boundedMemo(16384, checkDomainUncached);

function checkDomainUncached(raw: string): DomainResult {
  if (raw.startsWith('[') && raw.endsWith(']')) {
    const literal = raw.slice(1, -1);
    if (isIPv4(literal)) return { ok: true, domain: raw };
    if (literal.slice(0, 5).toLowerCase() === 'ipv6:' && isIPv6(literal.slice(5))) return { ok: true, domain: `[IPv6:${literal.slice(5).toLowerCase()}]` };
    return { ok: false, message: `"${raw}" is not a valid address literal` };
  }
  // Plain ASCII domains skip the IDNA conversion: that is nearly every address, and the hot path.
  let domain = raw.toLowerCase();
  // Non-ASCII, or an A-label (xn--) that must decode: both go through IDNA.
  if (!ASCII_ONLY.test(domain) || domain.includes('xn--')) {
    domain = domainToASCII(raw);
    if (domain === '') return { ok: false, message: `"${raw}" is not a valid internationalised domain` };
  }
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (domain.length > 253) return { ok: false, message: 'the domain is longer than 253 characters' };
  const labels = domain.split('.');
  if (labels.length < 2) return { ok: false, message: `"${raw}" has no top-level domain` };
  for (const label of labels) {
    if (!LABEL.test(label)) return { ok: false, message: `"${raw}" is not a valid domain name` };
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return { ok: false, message: `"${raw}" ends in a numeric label` };
  return { ok: true, domain };
}

// atext's ASCII characters, by code: the fast check of a plain local part reads this table instead of a regex.
const ATEXT = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~") ATEXT[c.charCodeAt(0)] = 1;

/**
 * True when `text[0, end)` is an ASCII Dot-string (atext runs joined by single dots). False means "not shown
 * here": quoted strings and non-ASCII local parts are left to the regular expressions, which decide.
 */
export function isAsciiDotString(text: string, end: number): boolean {
  if (end === 0) return false;
  let previousDot = true; // a leading dot is as bad as a doubled one
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (previousDot) return false;
      previousDot = true;
    } else if (c < 128 && ATEXT[c] === 1) {
      previousDot = false;
    } else {
      return false;
    }
  }
  return !previousDot;
}

/** The reference check of a local part (RFC 5321 Dot-string or Quoted-string, RFC 6531 UTF-8 allowed). */
export function isLocalPart(local: string): boolean {
  return DOT_STRING.test(local) || QUOTED_STRING.test(local);
}

/** Parses and normalises one address; never throws. */
export function normalizeEmail(input: unknown): NormalizedEmail {
  if (typeof input !== 'string') return fail('the address must be a string');
  const text = input.trim();
  if (text === '') return fail('the address is empty');
  const at = text.lastIndexOf('@');
  if (at <= 0) return fail(`"${text}" has no local part and domain separated by "@"`);
  const local = text.slice(0, at);
  const rawDomain = text.slice(at + 1);
  if (rawDomain === '') return fail(`"${text}" has no domain`);
  // Nearly every local part is plain ASCII, read here by character codes; the others go through the regexes.
  const ascii = isAsciiDotString(text, at);
  if (!ascii && !isLocalPart(local)) return fail(`"${local}" is not a valid local part`);
  // A UTF-16 unit is at most 3 UTF-8 octets, so short strings skip the exact count.
  if (ascii ? at > 64 : local.length > 21 && Buffer.byteLength(local, 'utf8') > 64) return fail('the local part is longer than 64 octets');
  const domain = checkDomain(rawDomain);
  if (!domain.ok) return domain;
  // An address whose domain was already in normal form is the text itself: no second string to build.
  const address = domain.domain === rawDomain ? text : `${local}@${domain.domain}`;
  if (address.length > 84 && Buffer.byteLength(address, 'utf8') > 254) return fail('the address is longer than 254 octets');
  return { ok: true, address, local, domain: domain.domain };
}

// The role check lives beside its list; re-exported here, where the engine and imports have always found it.
export { isRoleAddress } from './role-addresses.js';
