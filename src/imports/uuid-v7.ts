/**
 * Time-ordered ids (UUIDv7, RFC 9562) for the rows an import creates. Ids made later sort after earlier ones, so
 * every index keyed by them (contacts' primary key, the consent ledger's and memberships' contact indexes) grows
 * at its right edge instead of descending to a random leaf per row. Monotonic within the process (RFC 9562
 * method 1: a counter in `rand_a` and the top of `rand_b`, started at a random value each millisecond), the
 * remaining 48 bits random.
 */
import { randomFillSync } from 'node:crypto';

// Hex digits by value, as character codes: an id is written into a scratch buffer and read back as one flat
// string (a `+` chain of 21 parts made a rope that COPY text then had to flatten, ~4 µs a row).
const DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const TEXT = Buffer.alloc(36, '-');
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

/** A new UUIDv7 in its text form; `now` is the clock in milliseconds (an argument, like every time here). */
export function uuidV7(now: number): string {
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
  put(0, (hi >>> 24) & 255); put(2, (hi >>> 16) & 255); put(4, (hi >>> 8) & 255); put(6, hi & 255);
  put(9, lo >>> 8); put(11, lo & 255);
  put(14, 0x70 | (randA >>> 8)); put(16, randA & 255);
  put(19, 0x80 | (randB >>> 8)); put(21, randB & 255);
  for (let at = 24; at < 36; at += 2) put(at, randomByte());
  return TEXT.toString('latin1', 0, 36);
}

function put(at: number, byte: number): void {
  TEXT[at] = DIGITS[byte >>> 4];
  TEXT[at + 1] = DIGITS[byte & 15];
}
