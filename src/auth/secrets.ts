/** Random secrets, their stored hashes, and constant-time comparison. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new opaque secret with a readable prefix, e.g. `lwt_…` for API tokens. */
export function newSecret(prefix: string, bytes = 32): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

/** Secrets are high-entropy, so a plain SHA-256 is enough to store them (passwords use scrypt instead). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
