/**
 * The checks of one imported row that need no database: the address (syntax, IDN), the country, duplicates
 * within a batch and disposable domains. Pure apart from the `seen` map the caller owns for one batch (a repeat
 * from an earlier batch is found in the database, where that batch already is).
 */
import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';
import { boundedMemo } from '../bounded-memo.js';
import { isRoleAddress, normalizeEmail } from '../engine/address.js';
import type { Kind } from '../engine/types.js';
import { applyMapping, customKey, type HeaderMapping, type KnownField } from './header-map.js';
import { toCountryCode } from './countries.js';

export type RowCandidate = {
  outcome: 'candidate';
  line: number;
  email: string;
  country: string;
  kind: Kind;
  phone: string | null;
  birthDate: string | null;
  custom: Record<string, string>;
  role: boolean;
};
export type RowRejection = { outcome: 'invalid' | 'duplicate' | 'suppressed'; line: number; reason: string; email: string | null };
/** What a file's own mark of a person who left becomes here: the suppression reason it is recorded under. */
export type LeaverReason = 'unsubscribe' | 'hard_bounce' | 'complaint';
/**
 * A row its file marks as unsubscribed, bounced or complained: not imported, but recorded as a suppression (on
 * a contact made for it if the address is new), so that no later file makes the address mailable.
 */
export type RowLeaver = {
  outcome: 'suppressed'; line: number; reason: string; email: string; left: LeaverReason;
  /** For a contact made for it: the row's country if it names one, else the declared default, else `ZZ` (unknown). */
  country: string; kind: Kind;
  /** An unsubscribe's cell as the file gives it (its date, if it is one: leaver-return.ts), else null. */
  leftAt: string | null;
};
export type RowCheck = RowCandidate | RowRejection | RowLeaver;

export type RowCheckContext = {
  mapping: HeaderMapping;
  headerWidth: number;
  defaultCountry: string | null;
  defaultKind: Kind;
  /** Lower-cased address → first line it was seen on, within the current batch. */
  seen: Map<string, number>;
  /** The same for the batch before, read only (it may not be committed yet when this one is planned). */
  seenBefore?: Map<string, number>;
  isDisposable: (domain: string) => boolean;
};

let disposable: Set<string> | undefined;

// Answers per domain, remembered (bounded-memo.ts): each check slices the domain at every dot and hashes the
// pieces, while a list holds few domains.
const disposableAnswer = boundedMemo(16384, checkDisposable);

/** True for a throwaway-mailbox domain or any subdomain of one (the list is the maintained npm package's). */
export function isDisposableDomain(domain: string): boolean {
  return disposableAnswer(domain);
}

function checkDisposable(domain: string): boolean {
  disposable ??= disposableEmailBlocklistSet();
  if (disposable.has(domain)) return true;
  for (let dot = domain.indexOf('.'); dot !== -1; dot = domain.indexOf('.', dot + 1)) {
    if (disposable.has(domain.slice(dot + 1))) return true;
  }
  return false;
}

/** ISO 3166's user-assigned code for an unknown region: the country of a leaver's contact when the file has none. */
export const UNKNOWN_COUNTRY = 'ZZ';

const E164 = /^\+[1-9]\d{6,14}$/;
const BIRTH_DATE = /^\d{4}-\d{2}-\d{2}$/;

// A spreadsheet date whose cell is formatted "General" reads as Excel's serial day number: five digits are
// 1927-05-18 to 2173, which no other way of writing a birth date looks like.
const EXCEL_SERIAL = /^\d{5}(?:\.\d+)?$/;
const EXCEL_EPOCH = Date.UTC(1899, 11, 30); // day 0 (day 60 is Excel's nonexistent 1900-02-29: serials here are past it)

function excelSerialDate(serial: number): string {
  return new Date(EXCEL_EPOCH + Math.floor(serial) * 86_400_000).toISOString().slice(0, 10);
}

function normalisePhone(raw: string): string | null {
  let phone = raw.replace(/[\s().\-/]/g, '');
  if (phone.startsWith('00')) phone = `+${phone.slice(2)}`;
  return E164.test(phone) ? phone : null;
}

function rejected(line: number, reason: string, email: string | null = null): RowRejection {
  return { outcome: 'invalid', line, reason, email };
}

// Google Contacts puts a person's addresses of one label in one cell, joined by " ::: "; other tools use , or ;.
const SEVERAL = /\s*(?::::|[,;])\s*/;

/** Why an address was refused (only rejected rows get here, so the extra look costs good rows nothing). */
function invalidAddress(raw: string, message: string): string {
  const parts = raw.split(SEVERAL).filter((p) => p !== '');
  if (parts.length > 1 && parts.every((p) => normalizeEmail(p).ok)) {
    return `the address cell holds several addresses (${parts.length}); give one address per row`;
  }
  return `invalid email address: ${message}`;
}

// What a date or yes/no column says when the person did not leave.
const NOT_SET = new Set(['false', 'no', 'n', '0', 'none', 'never', 'non', 'faux', 'jamais', 'nein', 'falsch', 'nie', '-']);
// Status values of the usual tools that mean the person left or the address is dead.
// A blocklist (Brevo, Sendinblue) is the person's stop of all email there: an unsubscribe, which only their own
// confirmed double opt-in lifts here. A complaint and a dead address are never lifted.
const LEFT = new Map<string, LeaverReason>([
  ...(['unsubscribed', 'unsubscribe', 'optedout', 'optout', 'blocklisted', 'blacklisted', 'suppressed', 'desinscrit', 'desabonne', 'abgemeldet']
    .map((s) => [s, 'unsubscribe'] as const)),
  ...(['cleaned', 'bounced', 'hardbounce', 'hardbounced'].map((s) => [s, 'hard_bounce'] as const)),
  ...(['complained', 'spam', 'spamcomplaint', 'abusereport'].map((s) => [s, 'complaint'] as const)),
]);

// Status values that mean the person never confirmed (Mailchimp's pending and nonsubscribed, a double opt-in
// still waiting): no permission was given, whatever the declaration says.
const NEVER_CONFIRMED = new Set(['pending', 'unconfirmed', 'notconfirmed', 'nonsubscribed', 'notsubscribed', 'neversubscribed', 'awaitingconfirmation',
  'enattente', 'nonconfirme', 'ausstehend', 'unbestatigt', 'nichtbestatigt']);

// What an opt-in column says when the person accepted email marketing; any other value is no permission.
const ACCEPTED = new Set(['yes', 'y', 'true', '1', 'x', 'subscribed', 'optedin', 'oui', 'vrai', 'ja', 'wahr']);

const fold = (v: string) => v.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

const RECORDED: Record<LeaverReason, string> = { unsubscribe: 'an unsubscribe', hard_bounce: 'a hard bounce', complaint: 'a complaint' };

/**
 * Why the file itself says this address must not be mailed, or null: the person left (unsubscribed, complained,
 * or the address bounced) in the tool the file comes from, which is recorded here as a suppression (`left`); or
 * never confirmed a subscription there, which is no objection, only no permission: the row is not imported.
 */
function optedOut(mapping: HeaderMapping, fields: Partial<Record<KnownField, string>>): { reason: string; left: LeaverReason | null; leftAt?: string } | null {
  const { headers } = mapping;
  const kept = (left: LeaverReason) => `it is kept as ${RECORDED[left]} (suppressed) and not imported`;
  if (fields.unsubscribed && !NOT_SET.has(fold(fields.unsubscribed))) {
    return { reason: `the file marks this address as unsubscribed (${headers.unsubscribed}: ${fields.unsubscribed}); ${kept('unsubscribe')}`, left: 'unsubscribe', leftAt: fields.unsubscribed };
  }
  if (fields.bounced && !NOT_SET.has(fold(fields.bounced))) {
    return { reason: `the file marks this address as bounced (${headers.bounced}: ${fields.bounced}); ${kept('hard_bounce')}`, left: 'hard_bounce' };
  }
  const status = fields.status ? fold(fields.status).replace(/[\s_-]/g, '') : '';
  const left = LEFT.get(status);
  if (left) return { reason: `the file marks this address as ${fields.status} (${headers.status}); ${kept(left)}`, left };
  if (NEVER_CONFIRMED.has(status)) {
    return { reason: `the file marks this address as ${fields.status} (${headers.status}): the person never confirmed, so it is not imported`, left: null };
  }
  // Not accepting is no objection (nothing is kept), but no permission either, whatever the declaration says.
  if (fields.acceptsMarketing && !ACCEPTED.has(fold(fields.acceptsMarketing).replace(/[\s_-]/g, ''))) {
    return { reason: `the file says this person did not accept email marketing (${headers.acceptsMarketing}: ${fields.acceptsMarketing}), so it is not imported`, left: null };
  }
  return null;
}

// An address pasted with its link scheme ("mailto:ann@example.org?subject=Hi"), as a spreadsheet's link gives it.
const MAILTO = /^mailto:([^?#]*)/i;

function stripMailto(value: string): string {
  const m = MAILTO.exec(value);
  if (!m) return value;
  try {
    return decodeURIComponent(m[1]).trim();
  } catch {
    return m[1].trim();
  }
}

/**
 * The record's cells with an XLSX address cell's mailto: link in place of its text when that text is no address
 * (a name shown for the link, "Write to Ann"); the cells themselves otherwise.
 */
export function withLinkedAddress(cells: string[], emailColumn: number, mailto: ReadonlyMap<number, string> | undefined): string[] {
  const linked = mailto?.get(emailColumn);
  if (!linked) return cells;
  const text = stripMailto((cells[emailColumn] ?? '').trim());
  if (text !== '' && normalizeEmail(text).ok) return cells;
  const copy = [...cells];
  while (copy.length <= emailColumn) copy.push('');
  copy[emailColumn] = linked;
  return copy;
}

/** Checks one record of the file. */
export function checkRow(ctx: RowCheckContext, line: number, cells: string[]): RowCheck {
  if (cells.length > ctx.headerWidth) {
    return rejected(line, `the row has ${cells.length} fields but the header has ${ctx.headerWidth}`);
  }
  for (const cell of cells) {
    if (cell.includes('\uFFFD')) return rejected(line, 'the row holds bytes that are not valid in the file\'s encoding');
  }
  const { fields, custom } = applyMapping(ctx.mapping, cells);
  const rawEmail = fields.email && stripMailto(fields.email);
  if (!rawEmail) return rejected(line, 'no email address');
  const normalized = normalizeEmail(rawEmail);
  if (!normalized.ok) return rejected(line, invalidAddress(rawEmail, normalized.message), rawEmail);
  const email = normalized.address;
  // Case-insensitive, like the workspace's own uniqueness of addresses.
  const key = email.toLowerCase();
  const first = ctx.seen.get(key) ?? ctx.seenBefore?.get(key);
  const opted = fields.unsubscribed || fields.bounced || fields.status || fields.acceptsMarketing ? optedOut(ctx.mapping, fields) : null;
  // A later line saying the person left still counts: the suppression is recorded whichever line came first.
  if (opted?.left) {
    if (first === undefined) ctx.seen.set(key, line);
    return { outcome: 'suppressed', line, reason: opted.reason, email, left: opted.left, leftAt: opted.leftAt ?? null, country: (fields.country && toCountryCode(fields.country)) || ctx.defaultCountry || UNKNOWN_COUNTRY, kind: ctx.defaultKind };
  }
  if (first !== undefined) return { outcome: 'duplicate', line, reason: `duplicate of line ${first} in this file`, email };
  ctx.seen.set(key, line);
  if (opted) return { outcome: 'suppressed', line, reason: opted.reason, email };
  if (ctx.isDisposable(normalized.domain)) return rejected(line, `disposable (throwaway) email domain ${normalized.domain}`, email);

  let country = ctx.defaultCountry;
  if (fields.country) {
    country = toCountryCode(fields.country);
    if (!country) return rejected(line, `unknown country "${fields.country}"`, email);
  }
  if (!country) return rejected(line, 'no country: add a country column or declare a default country', email);

  let phone: string | null = null;
  if (fields.phone) {
    phone = normalisePhone(fields.phone);
    if (!phone) custom[customKey.phone] = fields.phone; // kept as given rather than lost
  }
  let birthDate: string | null = null;
  if (fields.birthDate) {
    const date = EXCEL_SERIAL.test(fields.birthDate) ? excelSerialDate(Number(fields.birthDate)) : fields.birthDate;
    if (BIRTH_DATE.test(date) && !Number.isNaN(Date.parse(date))) birthDate = date;
    else custom[customKey.birthDate] = fields.birthDate;
  }
  for (const key of ['firstName', 'lastName', 'fullName', 'language', 'company', 'status'] as const) {
    if (fields[key]) custom[customKey[key]] = fields[key]!;
  }
  return { outcome: 'candidate', line, email, country, kind: ctx.defaultKind, phone, birthDate, custom, role: isRoleAddress(email) };
}
