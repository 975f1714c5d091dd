/**
 * Signed, expiring tokens for public links (confirmation, unsubscribe, preference centre, my data).
 *
 * Format: `<payload>.<mac>`, both base64url. The payload is compact JSON with the purpose, the workspace, the
 * subject ids, the expiry (unix seconds) and a random token id; the MAC is HMAC-SHA256 over the encoded payload
 * under the caller's secret. Verification compares MACs in constant time before it parses anything.
 * Single use is not decided here: a caller that needs it stores `tokenId` when the token is spent.
 */
import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

/** What a token may be used for; a token signed for one purpose never verifies for another. */
export type TokenPurpose =
  | 'confirm'
  | 'unsubscribe'
  | 'one-click-unsubscribe'
  | 'preferences'
  | 'my-data';

/** The ids a token speaks for. Only `workspaceId` is required; the rest depend on the purpose. */
export type TokenPayload = {
  workspaceId: string;
  contactId?: string;
  listId?: string;
  campaignId?: string;
  sendId?: string;
  signupId?: string;
};

export type VerifiedToken = {
  purpose: TokenPurpose;
  payload: TokenPayload;
  expiresAt: Date;
  /** Random id of this token, for callers that enforce single use. */
  tokenId: string;
};

/** Why a token was refused. `malformed` is not a token at all; `tampered` has a MAC that does not match. */
export type TokenErrorCode = 'malformed' | 'tampered' | 'expired' | 'wrong_purpose';

export type VerifyResult = { ok: true; value: VerifiedToken } | { ok: false; code: TokenErrorCode };

// Short keys keep URLs short; the mapping is fixed, changing it invalidates every link already mailed.
const KEYS = { workspaceId: 'w', contactId: 'c', listId: 'l', campaignId: 'm', sendId: 's', signupId: 'u' } as const;
const PAYLOAD_KEYS = Object.keys(KEYS) as (keyof typeof KEYS)[];
const MAC_CONTEXT = 'listwarden.token.v1.';
const B64URL = /^[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 2048;

// Token ids come from a pool of random bytes filled 3 KB at a time: one call into the CSPRNG for every 256
// ids instead of one for each (a message carries three signed links; the calls cost 27 µs of it).
const ID_BYTES = 12;
const idPool = Buffer.alloc(ID_BYTES * 256);
let idAt = idPool.length;

function randomTokenId(): string {
  if (idAt === idPool.length) { randomFillSync(idPool); idAt = 0; }
  idAt += ID_BYTES;
  return idPool.toString('base64url', idAt - ID_BYTES, idAt);
}

function mac(secret: string | Buffer, encodedPayload: string): Buffer {
  return createHmac('sha256', secret).update(MAC_CONTEXT).update(encodedPayload).digest();
}

/** Signs a token for one purpose that is valid until `expiresAt`. */
export function sign(options: {
  secret: string | Buffer;
  purpose: TokenPurpose;
  payload: TokenPayload;
  expiresAt: Date;
  /** Fixed token id (tests); a random one otherwise. */
  tokenId?: string;
}): string {
  const { secret, purpose, payload, expiresAt } = options;
  if (secret.length < 16) throw new TypeError('token secret must be at least 16 characters');
  // The compact JSON, written as JSON.stringify writes it for these keys in this order (a string, not an
  // object walked by Object.entries and then stringified: most of a link's cost, three links in every message).
  let json = `{"p":${JSON.stringify(purpose)},"e":${JSON.stringify(Math.floor(expiresAt.getTime() / 1000))},"i":${JSON.stringify(options.tokenId ?? randomTokenId())}`;
  for (const long of PAYLOAD_KEYS) {
    const value = payload[long];
    if (value !== undefined) json += `,"${KEYS[long]}":${JSON.stringify(value)}`;
  }
  const encoded = Buffer.from(json + '}', 'utf8').toString('base64url');
  return `${encoded}.${mac(secret, encoded).toString('base64url')}`;
}

/** Verifies a token for one purpose at time `now`; never throws on bad input. */
export function verify(options: {
  secret: string | Buffer;
  purpose: TokenPurpose;
  token: string;
  now: Date;
}): VerifyResult {
  const { secret, purpose, token, now } = options;
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return { ok: false, code: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2 || !B64URL.test(parts[0]) || !B64URL.test(parts[1])) return { ok: false, code: 'malformed' };
  const given = Buffer.from(parts[1], 'base64url');
  const expected = mac(secret, parts[0]);
  // Length is public (always 32 bytes); the content comparison is constant time.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, code: 'tampered' };

  let compact: unknown;
  try {
    compact = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, code: 'malformed' };
  }
  const parsed = readCompact(compact);
  if (!parsed) return { ok: false, code: 'malformed' };
  if (parsed.purpose !== purpose) return { ok: false, code: 'wrong_purpose' };
  if (now.getTime() >= parsed.expiresAt.getTime()) return { ok: false, code: 'expired' };
  return { ok: true, value: parsed };
}

function readCompact(value: unknown): VerifiedToken | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.p !== 'string' || typeof v.e !== 'number' || !Number.isFinite(v.e) || typeof v.i !== 'string') return undefined;
  if (typeof v.w !== 'string' || v.w.length === 0) return undefined;
  const payload: TokenPayload = { workspaceId: v.w };
  for (const [long, short] of Object.entries(KEYS)) {
    if (long === 'workspaceId' || v[short] === undefined) continue;
    if (typeof v[short] !== 'string') return undefined;
    payload[long as Exclude<keyof TokenPayload, 'workspaceId'>] = v[short] as string;
  }
  return { purpose: v.p as TokenPurpose, payload, expiresAt: new Date(v.e * 1000), tokenId: v.i };
}
