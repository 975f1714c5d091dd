/**
 * Validates one case of the evaluate contract and turns it into a `ParsedCase`: addresses normalised, dates
 * turned into numbers once, optional fields filled so every object has one shape. Fields the contract does not
 * name are ignored. Hand-written rather than a schema library because it runs once per line on the CLI's hot
 * path, and each failure must name the exact field (`contact.consents[2].method`).
 */
import { isRoleAddress, normalizeEmail } from './address.js';
import { parseIsoDate } from './dates.js';
import { defaultPolicies } from './packs/index.js';
import {
  ACTIVITY_TYPES, BOUNCE_TYPES, CHANNELS, COLLECTED_BY, CONSENT_METHODS, KINDS, POLICY_PACKS, PURPOSES, SOURCE_TYPES,
  DEFAULT_WORKSPACE_POLICY, SUPPRESSION_REASONS, SUPPRESSION_SCOPES,
  type Activity, type Bounce, type Channel, type Consent, type Contact, type InputError, type Inquiry,
  type LegitimateInterest, type Message, type ParsedCase, type PolicyPack, type Purchase, type Source, type Suppression,
  type WorkspacePolicy,
} from './types.js';

export interface CaseDefaults {
  /** Packs for cases that name none; otherwise the contract's default from the contact's country. */
  policies?: readonly PolicyPack[];
  /** Epoch milliseconds of the moment for cases without `at`; otherwise now. */
  at?: number;
  /** The workspace's settings (RULES.md C-1); otherwise the platform's strictest, `DEFAULT_WORKSPACE_POLICY`. */
  workspacePolicy?: Readonly<WorkspacePolicy>;
}

export type ParseResult =
  | { ok: true; case: ParsedCase }
  | { ok: false; error: InputError; id?: string };

type Obj = Record<string, unknown>;

/** Thrown only inside this module, and always turned into a returned `{ ok: false }`. */
class Invalid {
  constructor(readonly path: string, readonly message: string) {}
}

// Shared, and not frozen: a frozen array has another elements kind, which would make the engine's loops polymorphic.
const EMPTY: readonly never[] = [];
const E164 = /^\+[1-9][0-9]{1,14}$/;
const BIRTH_DATE = /^\d{4}-\d{2}-\d{2}$/;

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new Invalid(path, v === undefined ? 'is required' : 'must be an object');
  return v;
}

/** Returns the vocabulary's own string, so that the engine compares interned constants. */
function oneOf<T extends string>(v: unknown, list: readonly T[], path: string): T {
  const i = typeof v === 'string' ? (list as readonly string[]).indexOf(v) : -1;
  if (i >= 0) return list[i];
  if (v === undefined) throw new Invalid(path, 'is required');
  throw new Invalid(path, `must be one of ${list.join(', ')} (got ${JSON.stringify(v)})`);
}

function date(v: unknown, path: string): number {
  if (v === undefined) throw new Invalid(path, 'is required');
  const ms = typeof v === 'string' ? parseIsoDate(v) : NaN;
  if (Number.isNaN(ms)) throw new Invalid(path, `must be an ISO 8601 date (got ${JSON.stringify(v)})`);
  return ms;
}

function optDate(v: unknown, path: string): number | null {
  return v === undefined || v === null ? null : date(v, path);
}

function optBool(v: unknown, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new Invalid(path, 'must be true or false');
  return v;
}

function optString(v: unknown, path: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new Invalid(path, 'must be a string');
  return v;
}

function strings(v: unknown, path: string): readonly string[] {
  if (v === undefined || v === null) return EMPTY;
  if (!Array.isArray(v)) throw new Invalid(path, 'must be an array of strings');
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'string') throw new Invalid(`${path}[${i}]`, 'must be a string');
  }
  return v as string[];
}

/** Parses each element of an optional array with `one`, naming the element in any failure. */
function list<T>(v: unknown, path: string, one: (item: Obj) => T): readonly T[] {
  if (v === undefined || v === null) return EMPTY;
  if (!Array.isArray(v)) throw new Invalid(path, 'must be an array');
  if (v.length === 0) return EMPTY;
  const out: T[] = [];
  for (let i = 0; i < v.length; i++) {
    const item = v[i];
    if (!isObj(item)) throw new Invalid(`${path}[${i}]`, 'must be an object');
    try {
      out.push(one(item));
    } catch (e) {
      if (e instanceof Invalid) throw new Invalid(`${path}[${i}]${e.path === '' ? '' : '.'}${e.path}`, e.message);
      throw e;
    }
  }
  return out;
}

function parseLegitimateInterest(v: unknown, path: string): LegitimateInterest | null {
  if (v === undefined || v === null) return null;
  const o = obj(v, path);
  return {
    reason: optString(o.reason, join(path, 'reason')),
    roleRelevant: optBool(o.roleRelevant, join(path, 'roleRelevant')),
    informedAtCollection: optBool(o.informedAtCollection, join(path, 'informedAtCollection')),
    sourceUrl: optString(o.sourceUrl, join(path, 'sourceUrl')),
  };
}

function parseSource(v: unknown): Source {
  const o = obj(v, 'contact.source');
  let sponsors: Source['sponsors'] = null;
  if (o.sponsors !== undefined && o.sponsors !== null) {
    const s = obj(o.sponsors, 'contact.source.sponsors');
    if (typeof s.count !== 'number' || !Number.isInteger(s.count) || s.count < 0) {
      throw new Invalid('contact.source.sponsors.count', 'must be a whole number of sponsors');
    }
    sponsors = { count: s.count, named: optBool(s.named, 'contact.source.sponsors.named') };
  }
  return {
    type: oneOf(o.type, SOURCE_TYPES, 'contact.source.type'),
    at: optDate(o.at, 'contact.source.at'),
    collectedBy: o.collectedBy === undefined ? 'us' : oneOf(o.collectedBy, COLLECTED_BY, 'contact.source.collectedBy'),
    evidence: strings(o.evidence, 'contact.source.evidence'),
    sponsors,
    clientAttested: optBool(o.clientAttested, 'contact.source.clientAttested'),
    legitimateInterest: parseLegitimateInterest(o.legitimateInterest, 'contact.source.legitimateInterest'),
  };
}

function parseConsent(o: Obj): Consent {
  return {
    channel: oneOf(o.channel, CHANNELS, 'channel'),
    method: oneOf(o.method, CONSENT_METHODS, 'method'),
    at: date(o.at, 'at'),
    confirmedAt: optDate(o.confirmedAt, 'confirmedAt'),
    evidence: strings(o.evidence, 'evidence'),
    categories: strings(o.categories, 'categories'),
    withdrawnAt: optDate(o.withdrawnAt, 'withdrawnAt'),
  };
}

function parsePurchase(o: Obj): Purchase {
  return { at: date(o.at, 'at'), categories: strings(o.categories, 'categories') };
}

function parseInquiry(o: Obj): Inquiry {
  return { at: date(o.at, 'at') };
}

function parseActivity(o: Obj): Activity {
  return { type: oneOf(o.type, ACTIVITY_TYPES, 'type'), at: date(o.at, 'at') };
}

const SUPPRESSION_CHANNELS = [...CHANNELS, 'all'] as const;

function parseSuppression(o: Obj): Suppression {
  return {
    reason: oneOf(o.reason, SUPPRESSION_REASONS, 'reason'),
    at: date(o.at, 'at'),
    channel: o.channel === undefined ? 'all' : oneOf(o.channel, SUPPRESSION_CHANNELS, 'channel'),
    scope: o.scope === undefined ? 'marketing' : oneOf(o.scope, SUPPRESSION_SCOPES, 'scope'),
  };
}

const BOUNCE_STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;

function parseBounce(o: Obj): Bounce {
  const status = optString(o.status, 'status');
  if (status !== null && !BOUNCE_STATUS.test(status)) throw new Invalid('status', `must be an RFC 3463 code such as 5.1.1 (got ${JSON.stringify(status)})`);
  return { type: oneOf(o.type, BOUNCE_TYPES, 'type'), at: date(o.at, 'at'), status };
}

/** Two ASCII letters, upper-cased (`UK` read as `GB`), or null. Read by character codes: most are already upper case. */
function countryCode(v: unknown): string | null {
  if (typeof v !== 'string' || v.length !== 2) return null;
  const a = v.charCodeAt(0);
  const b = v.charCodeAt(1);
  const upperA = a >= 65 && a <= 90;
  const upperB = b >= 65 && b <= 90;
  if (!(upperA || (a >= 97 && a <= 122)) || !(upperB || (b >= 97 && b <= 122))) return null;
  const upper = upperA && upperB ? v : v.toUpperCase();
  return upper === 'UK' ? 'GB' : upper;
}

function parseContact(v: unknown, channel: Channel): Contact {
  const o = obj(v, 'contact');
  const country = countryCode(o.country);
  if (country === null) {
    throw new Invalid('contact.country', o.country === undefined ? 'is required' : 'must be an ISO 3166-1 alpha-2 code such as FR');
  }

  let email: string | null = null;
  if (o.email !== undefined && o.email !== null) {
    const parsed = normalizeEmail(o.email);
    if (!parsed.ok) throw new Invalid('contact.email', parsed.message);
    email = parsed.address;
  } else if (channel === 'email') {
    throw new Invalid('contact.email', 'is required for an email message');
  }

  let phone: string | null = null;
  if (o.phone !== undefined && o.phone !== null) {
    if (typeof o.phone !== 'string' || !E164.test(o.phone)) throw new Invalid('contact.phone', 'must be an E.164 number such as +33612345678');
    phone = o.phone;
  } else if (channel === 'sms' || channel === 'phone') {
    throw new Invalid('contact.phone', `is required for a ${channel} message`);
  }

  let birthDate: number | null = null;
  if (o.birthDate !== undefined && o.birthDate !== null) {
    birthDate = typeof o.birthDate === 'string' && BIRTH_DATE.test(o.birthDate) ? parseIsoDate(o.birthDate) : NaN;
    if (Number.isNaN(birthDate)) throw new Invalid('contact.birthDate', 'must be a date written YYYY-MM-DD');
  }

  return {
    email,
    roleAddress: email !== null && isRoleAddress(email),
    phone,
    country,
    kind: o.kind === undefined ? 'consumer' : oneOf(o.kind, KINDS, 'contact.kind'),
    birthDate,
    source: parseSource(o.source),
    consents: list(o.consents, 'contact.consents', parseConsent),
    purchases: list(o.purchases, 'contact.purchases', parsePurchase),
    inquiries: list(o.inquiries, 'contact.inquiries', parseInquiry),
    activity: list(o.activity, 'contact.activity', parseActivity),
    suppressions: list(o.suppressions, 'contact.suppressions', parseSuppression),
    bounces: list(o.bounces, 'contact.bounces', parseBounce),
    registries: strings(o.registries, 'contact.registries'),
  };
}

function parseMessage(v: unknown): Message {
  const o = obj(v, 'message');
  return {
    channel: oneOf(o.channel, CHANNELS, 'message.channel'),
    purpose: oneOf(o.purpose, PURPOSES, 'message.purpose'),
    categories: strings(o.categories, 'message.categories'),
  };
}

function parsePolicies(v: unknown): readonly PolicyPack[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length === 0) throw new Invalid('policies', `must be a non-empty array of ${POLICY_PACKS.join(', ')}`);
  for (let i = 0; i < v.length; i++) oneOf(v[i], POLICY_PACKS, `policies[${i}]`);
  return v as PolicyPack[];
}

/** Validates one case; never throws on bad input. */
export function parseCase(json: unknown, defaults: CaseDefaults = {}): ParseResult {
  if (!isObj(json)) return { ok: false, error: { code: 'invalid_input', path: '', message: 'a case must be a JSON object' } };
  const id = typeof json.id === 'string' ? json.id : undefined;
  try {
    if (json.id !== undefined && json.id !== null && id === undefined) throw new Invalid('id', 'must be a string');
    const message = parseMessage(json.message);
    const contact = parseContact(json.contact, message.channel);
    const at = json.at === undefined || json.at === null ? (defaults.at ?? Date.now()) : date(json.at, 'at');
    const policies = parsePolicies(json.policies) ?? defaults.policies ?? defaultPolicies(contact.country);
    const workspacePolicy = defaults.workspacePolicy ?? DEFAULT_WORKSPACE_POLICY;
    return { ok: true, case: { id: id ?? null, at, policies, contact, message, workspacePolicy } };
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    const error: InputError = { code: 'invalid_input', path: e.path, message: `${e.path === '' ? 'the case' : e.path} ${e.message}` };
    return id === undefined ? { ok: false, error } : { ok: false, error, id };
  }
}
