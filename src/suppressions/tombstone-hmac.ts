/** The keyed hash a tombstone keeps instead of the address: HMAC-SHA256 of the lower-cased normalised address. */
import { createHmac } from 'node:crypto';

export function tombstoneHmac(workspaceSecret: string, normalizedEmail: string): string {
  return createHmac('sha256', workspaceSecret).update(normalizedEmail.toLowerCase()).digest('hex');
}
