/**
 * URL builders for the public pages. Every link carries a signed, expiring token (see `security/tokens.ts`);
 * nothing in a URL is a bare id. The campaign engine puts `unsubscribeUrl`, `preferencesUrl` and
 * `oneClickUnsubscribeUrl` (the `List-Unsubscribe` HTTPS URI, RFC 8058) in every mail.
 */
import { sign, type TokenPayload, type TokenPurpose } from '../security/tokens.js';

const DAY = 24 * 60 * 60 * 1000;

/** Default lifetime of each kind of link, in milliseconds. */
export const LINK_LIFETIME_MS = {
  // Double opt-in: a week to confirm (issue 5), after which the pending sign-up is purged.
  confirm: 7 * DAY,
  // Unsubscribe links sit in old mail; they must keep working for a long time.
  unsubscribe: 400 * DAY,
  'one-click-unsubscribe': 400 * DAY,
  preferences: 180 * DAY,
  // "My data" links are mostly sent on request (magic link), so they are short-lived.
  'my-data': 1 * DAY,
} as const satisfies Record<TokenPurpose, number>;

/** Route paths of the public pages; the routes and the builders share them. */
export const PUBLIC_PATHS = {
  confirm: '/p/confirm',
  unsubscribe: '/p/unsubscribe',
  oneClickUnsubscribe: '/u', // followed by /:token, the shortest URI for the List-Unsubscribe header
  preferences: '/p/preferences',
  myData: '/p/my-data',
  myDataExport: '/p/my-data/export',
  erase: '/p/my-data/erase',
  access: '/p/access',
  form: '/f', // followed by /:publicId
} as const;

export type LinkOptions = {
  /** Public origin of the platform, e.g. `https://lists.example.org` (a trailing slash is ignored). */
  baseUrl: string;
  secret: string | Buffer;
  workspaceId: string;
  contactId: string;
  listId?: string;
  campaignId?: string;
  sendId?: string;
  now: Date;
  /** Overrides the default lifetime of this kind of link. */
  lifetimeMs?: number;
  /** Page language to open with (`en`, `fr`, `de`); otherwise the browser's Accept-Language decides. */
  lang?: string;
};

export type ConfirmLinkOptions = Omit<LinkOptions, 'contactId'> & { signupId: string; contactId?: string };

function token(purpose: TokenPurpose, o: LinkOptions | ConfirmLinkOptions): string {
  const payload: TokenPayload = { workspaceId: o.workspaceId };
  if (o.contactId !== undefined) payload.contactId = o.contactId;
  if ('signupId' in o) payload.signupId = o.signupId;
  if (o.listId !== undefined) payload.listId = o.listId;
  if (o.campaignId !== undefined) payload.campaignId = o.campaignId;
  if (o.sendId !== undefined) payload.sendId = o.sendId;
  const expiresAt = new Date(o.now.getTime() + (o.lifetimeMs ?? LINK_LIFETIME_MS[purpose]));
  return sign({ secret: o.secret, purpose, payload, expiresAt });
}

// Resolved page URLs by base and path: every message builds three links on the same few (a URL object and its
// search params for each link cost 19 µs a message). Bounded: bases and paths come from configuration.
const resolved = new Map<string, string | null>();

function resolve(baseUrl: string, path: string): URL {
  // Relative resolution keeps a path prefix in baseUrl (https://example.org/lists/...).
  return new URL(path.replace(/^\/+/, ''), baseUrl.replace(/\/+$/, '') + '/');
}

function prefixOf(baseUrl: string, path: string): string | null {
  const key = `${baseUrl}\n${path}`;
  let prefix = resolved.get(key);
  if (prefix === undefined) {
    const url = resolve(baseUrl, path);
    // Only a URL without query or fragment of its own is taken apart as text; any other goes through URL.
    prefix = url.search === '' && url.hash === '' && !url.href.endsWith('?') && !url.href.endsWith('#') ? url.href : null;
    if (resolved.size < 1000) resolved.set(key, prefix);
  }
  return prefix;
}

// Query values that form-urlencoding leaves as they are (tokens are base64url and dots, languages letters):
// written straight, without a URLSearchParams for each link.
const PLAIN = /^[A-Za-z0-9._-]*$/;

function build(baseUrl: string, path: string, query: Record<string, string | undefined>): string {
  const prefix = prefixOf(baseUrl, path);
  if (prefix !== null) {
    // Written as text when every key and value is plain (a loop: entries, filter, every and map cost 7 µs a link).
    let search = '';
    let plain = true;
    for (const k in query) {
      const v = query[k];
      if (v === undefined) continue;
      if (!PLAIN.test(k) || !PLAIN.test(v)) { plain = false; break; }
      search += `${search === '' ? '?' : '&'}${k}=${v}`;
    }
    if (plain) return prefix + search;
  }
  const entries = Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined);
  const params = new URLSearchParams(entries);
  if (prefix === null) {
    const url = resolve(baseUrl, path);
    for (const [k, v] of params) url.searchParams.set(k, v);
    return url.toString();
  }
  const search = params.toString();
  return search === '' ? prefix : `${prefix}?${search}`;
}

/** Link to the unsubscribe page (one button; GET never unsubscribes). */
export function unsubscribeUrl(o: LinkOptions): string {
  return build(o.baseUrl, PUBLIC_PATHS.unsubscribe, { t: token('unsubscribe', o), lang: o.lang });
}

/**
 * The RFC 8058 one-click URI for `List-Unsubscribe` (with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).
 * A POST to it unsubscribes at once; a GET shows the one-button page. It must be HTTPS in production
 * (TECH-02a); the builder does not refuse `http:` so that loopback tests can use it.
 */
export function oneClickUnsubscribeUrl(o: LinkOptions): string {
  const t = token('one-click-unsubscribe', o);
  // The path's prefix is resolved once, not once per token (a token in the cache key missed it every time).
  const prefix = prefixOf(o.baseUrl, PUBLIC_PATHS.oneClickUnsubscribe);
  return prefix !== null ? `${prefix}/${t}` : build(o.baseUrl, `${PUBLIC_PATHS.oneClickUnsubscribe}/${t}`, {});
}

/** Link to the preference centre (lists, channels, frequency). */
export function preferencesUrl(o: LinkOptions): string {
  return build(o.baseUrl, PUBLIC_PATHS.preferences, { t: token('preferences', o), lang: o.lang });
}

/** Link to the "my data" page (what is held, where the address came from, export, erasure). */
export function myDataUrl(o: LinkOptions): string {
  return build(o.baseUrl, PUBLIC_PATHS.myData, { t: token('my-data', o), lang: o.lang });
}

/** Link in the double opt-in confirmation mail; names the pending sign-up, not a contact. */
export function confirmUrl(o: ConfirmLinkOptions): string {
  return build(o.baseUrl, PUBLIC_PATHS.confirm, { t: token('confirm', o), lang: o.lang });
}
