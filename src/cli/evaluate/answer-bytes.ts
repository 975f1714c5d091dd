/**
 * Writes answer lines straight into a byte buffer: the CLI's output, byte for byte what `answerLine` (the engine's
 * serialiser) gives, without building a string per line. Each reason's JSON is encoded once and copied after
 * that; building a long string of small pieces and encoding it at the end cost more than the engine itself
 * (flattening the rope of ten pieces per line).
 */
import { EngineReason } from '../../engine/rule.js';
import type { Answer, Basis, Reason, Verdict } from '../../engine/types.js';

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

const OPEN_ID = ascii('{"id":');
const OPEN_NO_ID = ascii('{');
const BLOCK = ascii('"verdict":"block","basis":null,"reasons":[');
const SEND_NO_BASIS = ascii('"verdict":"send","basis":null,"reasons":[');
const COMMA = 44;
const NEWLINE = 10;
const END_NO_CLOCK = ascii('],"validUntil":null}\n');
const END_CLOCK = ascii('],"validUntil":"');
const END_CLOCK_CLOSE = ascii('"}\n');

const withBasis = new Map<string, Buffer>();
const reasonBytes = new Map<Reason, Buffer>();

function prefixWith(verdict: Verdict, basis: Basis): Buffer {
  const key = verdict === 'send' ? basis : `block:${basis}`;
  let b = withBasis.get(key);
  if (b === undefined) {
    b = Buffer.from(`"verdict":"${verdict}","basis":"${basis}","reasons":[`);
    withBasis.set(key, b);
  }
  return b;
}

function reasonJson(r: Reason): Buffer {
  let b = reasonBytes.get(r);
  if (b === undefined) {
    const text = r instanceof EngineReason ? r.json
      : JSON.stringify({ code: r.code, effect: r.effect, policy: r.policy, rule: r.rule, text: r.text });
    b = Buffer.from(text);
    // Only the engine's own reasons are few and long-lived; anything else would make the cache grow.
    if (r instanceof EngineReason) reasonBytes.set(r, b);
  }
  return b;
}

/** A growing byte buffer of answer lines, with memory of its own (so its ArrayBuffer can be transferred). */
export class AnswerBytes {
  #buf: Buffer;
  #at = 0;
  #lastUntil = NaN;
  #lastUntilBytes: Buffer = Buffer.alloc(0);

  constructor(capacity: number) {
    this.#buf = Buffer.allocUnsafeSlow(Math.max(capacity, 1024));
  }

  get length(): number {
    return this.#at;
  }

  /** The bytes written so far (a view: it shares memory with this writer). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
  }

  #put(b: Uint8Array): void {
    this.#room(b.length);
    this.#buf.set(b, this.#at);
    this.#at += b.length;
  }

  #byte(c: number): void {
    this.#room(1);
    this.#buf[this.#at++] = c;
  }

  /** Appends a line of text (an error line) and its newline. */
  line(text: string): void {
    this.#room(text.length * 3 + 1);
    this.#at += this.#buf.write(text, this.#at);
    this.#buf[this.#at++] = NEWLINE;
  }

  /** Appends `answerLine(a)` and a newline. */
  answer(a: Answer): void {
    if (a.id === null) {
      this.#put(OPEN_NO_ID);
    } else {
      this.#put(OPEN_ID);
      const id = JSON.stringify(a.id);
      this.#room(id.length * 3 + 1);
      this.#at += this.#buf.write(id, this.#at);
      this.#buf[this.#at++] = COMMA;
    }
    this.#put(a.basis !== null ? prefixWith(a.verdict, a.basis) : a.verdict === 'block' ? BLOCK : SEND_NO_BASIS);
    const reasons = a.reasons;
    for (let i = 0; i < reasons.length; i++) {
      if (i > 0) this.#byte(COMMA);
      this.#put(reasonJson(reasons[i]));
    }
    if (a.validUntil === null) {
      this.#put(END_NO_CLOCK);
    } else {
      // Many answers of a batch share a date (the end of one inactivity window): keep the last one encoded.
      if (a.validUntil !== this.#lastUntil) {
        this.#lastUntil = a.validUntil;
        this.#lastUntilBytes = ascii(new Date(a.validUntil).toISOString());
      }
      this.#put(END_CLOCK);
      this.#put(this.#lastUntilBytes);
      this.#put(END_CLOCK_CLOSE);
    }
  }
}
