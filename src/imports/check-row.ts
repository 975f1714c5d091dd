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
export type RowCheck = RowCandidate | RowRejection;

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

const E164 = /^\+[1-9]\d{6,14}$/;
const BIRTH_DATE = /^\d{4}-\d{2}-\d{2}$/;

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
const LEFT = new Set(['unsubscribed', 'unsubscribe', 'optedout', 'optout', 'cleaned', 'bounced', 'hardbounce', 'hardbounced',
  'blocklisted', 'blacklisted', 'complained', 'spam', 'spamcomplaint', 'desinscrit', 'desabonne', 'abgemeldet']);

// Status values that mean the person never confirmed (Mailchimp's pending and nonsubscribed, a double opt-in
// still waiting): no permission was given, whatever the declaration says.
const NEVER_CONFIRMED = new Set(['pending', 'unconfirmed', 'notconfirmed', 'nonsubscribed', 'notsubscribed', 'awaitingconfirmation',
  'enattente', 'nonconfirme', 'ausstehend', 'unbestatigt', 'nichtbestatigt']);

const fold = (v: string) => v.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

/**
 * Why the file itself says this address must not be mailed (its source tool's unsubscribe or bounce, or a
 * subscription never confirmed), or null.
 * Such a row is not imported, so that a list exported with its leavers never makes them mailable here.
 */
function optedOut(mapping: HeaderMapping, fields: Partial<Record<KnownField, string>>): string | null {
  const { headers } = mapping;
  if (fields.unsubscribed && !NOT_SET.has(fold(fields.unsubscribed))) {
    return `the file marks this address as unsubscribed (${headers.unsubscribed}: ${fields.unsubscribed}); it is not imported`;
  }
  if (fields.bounced && !NOT_SET.has(fold(fields.bounced))) {
    return `the file marks this address as bounced (${headers.bounced}: ${fields.bounced}); it is not imported`;
  }
  const status = fields.status ? fold(fields.status).replace(/[\s_-]/g, '') : '';
  if (LEFT.has(status)) return `the file marks this address as ${fields.status} (${headers.status}); it is not imported`;
  if (NEVER_CONFIRMED.has(status)) {
    return `the file marks this address as ${fields.status} (${headers.status}): the person never confirmed, so it is not imported`;
  }
  return null;
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
  const rawEmail = fields.email;
  if (!rawEmail) return rejected(line, 'no email address');
  const normalized = normalizeEmail(rawEmail);
  if (!normalized.ok) return rejected(line, invalidAddress(rawEmail, normalized.message), rawEmail);
  const email = normalized.address;
  // Case-insensitive, like the workspace's own uniqueness of addresses.
  const key = email.toLowerCase();
  const first = ctx.seen.get(key) ?? ctx.seenBefore?.get(key);
  if (first !== undefined) return { outcome: 'duplicate', line, reason: `duplicate of line ${first} in this file`, email };
  ctx.seen.set(key, line);
  if (fields.unsubscribed || fields.bounced || fields.status) {
    const left = optedOut(ctx.mapping, fields);
    if (left) return { outcome: 'suppressed', line, reason: left, email };
  }
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
    if (BIRTH_DATE.test(fields.birthDate) && !Number.isNaN(Date.parse(fields.birthDate))) birthDate = fields.birthDate;
    else custom[customKey.birthDate] = fields.birthDate;
  }
  for (const key of ['firstName', 'lastName', 'fullName', 'language', 'company', 'status'] as const) {
    if (fields[key]) custom[customKey[key]] = fields[key]!;
  }
  return { outcome: 'candidate', line, email, country, kind: ctx.defaultKind, phone, birthDate, custom, role: isRoleAddress(email) };
}
