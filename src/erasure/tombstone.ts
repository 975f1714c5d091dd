/**
 * The tombstone key of an address: HMAC-SHA256 of the normalised address under the workspace secret. It lets
 * the platform recognise an erased address at import or sign-up without keeping the address, and a leaked
 * tombstone table cannot be matched against another workspace's lists.
 */
import { createHmac } from 'node:crypto';
import { normalizeEmail } from '../engine/address.js';

/** Returns undefined for a string that is not an address (nothing to tombstone). */
export function tombstoneHmac(options: { workspaceSecret: string; email: string }): string | undefined {
  const n = normalizeEmail(options.email);
  if (!n.ok) return undefined;
  // Lower-cased whole: providers treat local parts case-insensitively, and a tombstone must not miss "Ann@".
  return createHmac('sha256', options.workspaceSecret).update(n.address.toLowerCase(), 'utf8').digest('hex');
}
