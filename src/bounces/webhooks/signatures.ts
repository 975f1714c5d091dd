import { timingSafeEqual } from 'node:crypto';

/** Compares two secrets in constant time (for equal lengths; a length difference is not secret). */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a provider's timestamp (seconds or a date string) is within `maxAgeSeconds` of now, either way. */
export function isFresh(timestamp: string | number, now: Date, maxAgeSeconds: number): boolean {
  const ms = typeof timestamp === 'number' || /^\d+$/.test(String(timestamp)) ? Number(timestamp) * 1000 : Date.parse(String(timestamp));
  return Number.isFinite(ms) && Math.abs(now.getTime() - ms) <= maxAgeSeconds * 1000;
}

/** A signature check's answer: a value, never a throw (expected failures are values). */
export type Verification = { ok: true } | { ok: false; error: string };
