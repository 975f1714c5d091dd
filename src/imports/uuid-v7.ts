/**
 * Time-ordered ids (UUIDv7, RFC 9562) for the rows an import creates. Ids made later sort after earlier ones, so
 * every index keyed by them (contacts' primary key, the consent ledger's and memberships' contact indexes) grows
 * at its right edge instead of descending to a random leaf per row. Monotonic within the process (RFC 9562
 * method 1: a counter in `rand_a` and the top of `rand_b`, started at a random value each millisecond), the
 * remaining 48 bits random.
 */
import { randomFillSync } from 'node:crypto';

const POOL = new Uint8Array(6 * 1024);
let poolAt = POOL.length;
let lastMs = 0;
// 26-bit counter: 12 bits of rand_a, then the 14 bits of rand_b after the variant.
let counter = 0;
const COUNTER_MAX = (1 << 26) - 1;

function randomByte(): number {
  if (poolAt === POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  return POOL[poolAt++];
}

/** Writes a new UUIDv7 as its 16 bytes into `out` from `offset`; `now` is the clock in milliseconds. */
export function writeUuidV7(now: number, out: Uint8Array, offset = 0): void {
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    counter++;
    if (counter > COUNTER_MAX) {
      ms++; // the counter ran out within one millisecond: borrow the next one
      counter = randomByte() << 16; // leave headroom below the top of the counter
    }
  } else {
    counter = (randomByte() << 16) | (randomByte() << 8) | randomByte();
    counter &= (1 << 25) - 1; // start in the lower half, so the millisecond has room to count
  }
  lastMs = ms;
  const hi = Math.floor(ms / 2 ** 16); // top 32 bits of the 48-bit timestamp
  const lo = ms % 2 ** 16;
  const randA = counter >>> 14; // 12 bits
  const randB = counter & 0x3fff; // 14 bits
  out[offset] = hi >>> 24; out[offset + 1] = (hi >>> 16) & 255; out[offset + 2] = (hi >>> 8) & 255; out[offset + 3] = hi & 255;
  out[offset + 4] = lo >>> 8; out[offset + 5] = lo & 255;
  out[offset + 6] = 0x70 | (randA >>> 8); out[offset + 7] = randA & 255;
  out[offset + 8] = 0x80 | (randB >>> 8); out[offset + 9] = randB & 255;
  for (let i = 10; i < 16; i++) out[offset + i] = randomByte();
}

const BYTES = new Uint8Array(16);
// Hex digits by value, as character codes: the text is written into a scratch buffer and read back as one flat
// string (a `+` chain of 21 parts made a rope that had to be flattened later).
const DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const TEXT = Buffer.alloc(36, '-');
const TEXT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** A new UUIDv7 in its text form; `now` is the clock in milliseconds (an argument, like every time here). */
export function uuidV7(now: number): string {
  writeUuidV7(now, BYTES);
  for (let i = 0; i < 16; i++) {
    TEXT[TEXT_AT[i]] = DIGITS[BYTES[i] >>> 4];
    TEXT[TEXT_AT[i] + 1] = DIGITS[BYTES[i] & 15];
  }
  return TEXT.toString('latin1', 0, 36);
}
