/**
 * Cuts a byte stream into pieces of complete lines that a worker thread can own: each piece is a fresh buffer
 * (its memory can be transferred, not copied), at most about `pieceBytes` long, and carries its line count so
 * that line numbers are known before any piece is answered.
 */
import { countLines, MAX_LINE } from './answer-chunk.js';

const NEWLINE = 10;

export type Piece =
  | { kind: 'lines'; bytes: Buffer; lines: number }
  /** One line grew past MAX_LINE before its end was seen: it is answered with an error and skipped. */
  | { kind: 'too-long' };

export class LineChunker {
  readonly #pieceBytes: number;
  #carry: Buffer[] = [];
  #carryBytes = 0;
  /** Inside a runaway line: drop bytes until its newline. */
  #skipping = false;

  constructor(pieceBytes: number) {
    this.#pieceBytes = pieceBytes;
  }

  /** The pieces completed by `chunk` (none while a line is still open). */
  push(chunk: Buffer): Piece[] {
    const pieces: Piece[] = [];
    let head = 0;
    if (this.#skipping) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) return pieces;
      this.#skipping = false;
      head = nl + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < head) {
      this.#hold(chunk.subarray(head), pieces);
      return pieces;
    }
    // Cut at newlines so that no piece is much longer than pieceBytes: one large write still spreads over workers.
    while (head <= last) {
      let cut = last;
      if (this.#carryBytes + last + 1 - head > this.#pieceBytes) {
        const limit = head + Math.max(0, this.#pieceBytes - this.#carryBytes);
        const nl = chunk.lastIndexOf(NEWLINE, limit);
        cut = nl >= head ? nl : chunk.indexOf(NEWLINE, head);
      }
      pieces.push(this.#piece(chunk.subarray(head, cut + 1)));
      head = cut + 1;
    }
    if (head < chunk.length) this.#hold(chunk.subarray(head), pieces);
    return pieces;
  }

  /** What is left at the end of the input: a last line without a newline. */
  end(): Piece[] {
    if (this.#skipping || this.#carryBytes === 0) return [];
    return [this.#piece(Buffer.alloc(0))];
  }

  #hold(part: Buffer, pieces: Piece[]): void {
    if (part.length === 0) return;
    if (this.#carryBytes + part.length > MAX_LINE) {
      this.#carry = [];
      this.#carryBytes = 0;
      this.#skipping = true;
      pieces.push({ kind: 'too-long' });
      return;
    }
    // A copy: the stream may hand out views of a shared slab, and the carry outlives this chunk.
    this.#carry.push(Buffer.from(part));
    this.#carryBytes += part.length;
  }

  #piece(tail: Buffer): Piece {
    // allocUnsafeSlow: a buffer with its own ArrayBuffer, never a slice of Node's shared pool, so it can be transferred.
    const bytes = Buffer.allocUnsafeSlow(this.#carryBytes + tail.length);
    let at = 0;
    for (const part of this.#carry) at += part.copy(bytes, at);
    tail.copy(bytes, at);
    this.#carry = [];
    this.#carryBytes = 0;
    return { kind: 'lines', bytes, lines: countLines(bytes) };
  }
}
