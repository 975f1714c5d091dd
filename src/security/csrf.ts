/**
 * CSRF protection for the public pages' forms. The pages have no session cookie: the signed link is the
 * credential, and each form carries a second value derived from that link's token id. A cross-site page knows
 * neither. The Origin header, when a browser sends one, must also be our own.
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../auth/secrets.js';

/** The hidden form value bound to one signed link. */
export function csrfToken(options: { secret: string | Buffer; tokenId: string }): string {
  return createHmac('sha256', options.secret).update('listwarden.csrf.v1.').update(options.tokenId).digest('base64url');
}

/** Checks a form POST: the CSRF value must match, and a present Origin must be the platform's own. */
export function checkCsrf(options: {
  secret: string | Buffer;
  tokenId: string;
  given: unknown;
  origin: string | undefined;
  baseUrl: string;
}): boolean {
  if (options.origin !== undefined && options.origin !== 'null') {
    let ours: string;
    try {
      ours = new URL(options.baseUrl).origin;
    } catch {
      return false;
    }
    if (options.origin !== ours) return false;
  } else if (options.origin === 'null') {
    return false;
  }
  if (typeof options.given !== 'string') return false;
  return safeEqual(options.given, csrfToken({ secret: options.secret, tokenId: options.tokenId }));
}
