/**
 * Tokens of the click and open links: one per message, naming the send and the outbox row, with an expiry.
 * Separate from the public pages' tokens (security/tokens.ts) on purpose: a tracking link grants nothing but a
 * redirect to a link the campaign already contains, it sits in every link of every message (so it must be short
 * and cheap: no JSON, no random id), and its MAC context differs so neither kind ever verifies as the other.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const CONTEXT = 'listwarden.tracking.v1.';
const MAC_BYTES = 16;

export type TrackingIds = { sendId: number; recipientId: number };

function mac(secret: string | Buffer, body: string): Buffer {
  return createHmac('sha256', secret).update(CONTEXT).update(body).digest().subarray(0, MAC_BYTES);
}

export function signTracking(options: TrackingIds & { secret: string | Buffer; expiresAt: Date }): string {
  const body = `${options.sendId.toString(36)}.${options.recipientId.toString(36)}.${Math.floor(options.expiresAt.getTime() / 1000).toString(36)}`;
  return `${body}.${mac(options.secret, body).toString('base64url')}`;
}

export type TrackingVerify = { ok: true; value: TrackingIds } | { ok: false; code: 'malformed' | 'tampered' | 'expired' };

/** Checks the MAC in constant time before reading anything; never throws. */
export function verifyTracking(options: { token: string; secret: string | Buffer; now: Date }): TrackingVerify {
  const parts = typeof options.token === 'string' && options.token.length < 200 ? options.token.split('.') : [];
  if (parts.length !== 4 || !parts.slice(0, 3).every((p) => /^[0-9a-z]{1,13}$/.test(p))) return { ok: false, code: 'malformed' };
  const given = Buffer.from(parts[3], 'base64url');
  const expected = mac(options.secret, parts.slice(0, 3).join('.'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, code: 'tampered' };
  const [send, recipient, exp] = parts.slice(0, 3).map((p) => parseInt(p, 36));
  if (options.now.getTime() >= exp * 1000) return { ok: false, code: 'expired' };
  return { ok: true, value: { sendId: send, recipientId: recipient } };
}
