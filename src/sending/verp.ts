/**
 * VERP return paths: the envelope sender of each message encodes which send and which recipient it belongs to,
 * so a bounce that comes back to that address names its message without trusting anything in the bounce body.
 *
 * Format: `b-<send>-<recipient>-<mac>@<return-path domain>` (63 octets for two UUIDs). Ids are compacted to lower-case base32 because
 * a local part holds 64 octets at most and some relays lower-case it. The short MAC stops anyone from forging
 * a return path that would suppress a contact of their choosing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'b';
const MAC_CHARS = 7; // 35 bits: enough against guessing, short enough to fit two UUIDs in 64 octets
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type VerpIds = { sendId: string; recipientId: string };

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function fromBase32(text: string, byteLength: number): Buffer | undefined {
  const out = Buffer.alloc(byteLength);
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    value = ((value << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      if (index >= byteLength) return undefined;
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return index === byteLength ? out : undefined;
}

/** 26 base32 chars for a UUID, `n…` (base 36) for a non-negative integer id. */
function compactId(id: string): string {
  if (UUID.test(id)) return base32(Buffer.from(id.replace(/-/g, ''), 'hex'));
  if (/^\d{1,18}$/.test(id)) return 'n' + BigInt(id).toString(36);
  throw new TypeError(`VERP: unsupported id ${JSON.stringify(id)} (a UUID or an integer is expected)`);
}

function expandId(text: string): string | undefined {
  if (text.length === 26) {
    const hex = fromBase32(text, 16)?.toString('hex');
    return hex && `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  if (text.startsWith('n') && /^[0-9a-z]{1,13}$/.test(text.slice(1))) {
    let n = 0n;
    for (const ch of text.slice(1)) n = n * 36n + BigInt(parseInt(ch, 36));
    return n.toString();
  }
  return undefined;
}

// Base32 writes 5 bits a character from the first byte on, so the first MAC_CHARS characters need only the first
// ceil(5 * MAC_CHARS / 8) bytes of the digest (encoding all 32 cost 3 µs a message).
const MAC_BYTES = Math.ceil((5 * MAC_CHARS) / 8);

function macOf(secret: string | Buffer, body: string): string {
  return base32(createHmac('sha256', secret).update('listwarden.verp.v1.').update(body).digest().subarray(0, MAC_BYTES)).slice(0, MAC_CHARS);
}

/** The return path (envelope sender) for one recipient of one send. */
export function encodeVerp(options: VerpIds & { domain: string; secret: string | Buffer }): string {
  const body = `${PREFIX}-${compactId(options.sendId)}-${compactId(options.recipientId)}`;
  return `${body}-${macOf(options.secret, body)}@${options.domain.toLowerCase()}`;
}

/**
 * Reads a return path back into its ids; `undefined` when the address is not ours or its MAC does not match.
 * Case is ignored (relays may change it) and the domain is not checked here: the inbound server decides
 * which domains it answers for.
 */
export function decodeVerp(options: { address: string; secret: string | Buffer }): VerpIds | undefined {
  const at = options.address.lastIndexOf('@');
  const local = (at >= 0 ? options.address.slice(0, at) : options.address).trim().replace(/^<|>$/g, '').toLowerCase();
  const parts = local.split('-');
  if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
  const [, send, recipient, mac] = parts;
  const expected = macOf(options.secret, `${PREFIX}-${send}-${recipient}`);
  if (mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return undefined;
  const sendId = expandId(send);
  const recipientId = expandId(recipient);
  return sendId && recipientId ? { sendId, recipientId } : undefined;
}
