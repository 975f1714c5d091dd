/**
 * PostgreSQL's binary COPY format for the rows an import writes: a signature, then per row a field count and
 * each field as a 32-bit length and its bytes, then a trailer. Pure: values in, bytes out. Binary spares the
 * server parsing text: a uuid is its 16 bytes (uuid_in read 16 hex pairs with strtoul), a timestamp 8 bytes
 * (timestamptz_in parsed the date), and no field needs escaping. jsonb still goes as JSON text (version 1).
 * The same bytes feed `COPY … FROM STDIN` on PostgreSQL and `FROM '/dev/blob'` on PGlite.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** Writes rows into buffers of about `pieceBytes`; a row may span two pieces (COPY reads one byte stream). */
export class CopyBinary {
  private readonly pieces: Buffer[] = [];
  private buffer: Buffer;
  private used = 0;

  constructor(options: { pieceBytes?: number; header?: boolean } = {}) {
    this.pieceBytes = options.pieceBytes ?? 64 * 1024;
    this.buffer = Buffer.allocUnsafe(this.pieceBytes);
    if (options.header ?? true) {
      this.room(SIGNATURE.length + 8);
      this.used += SIGNATURE.copy(this.buffer, this.used);
      this.used = this.buffer.writeInt32BE(0, this.used); // flags
      this.used = this.buffer.writeInt32BE(0, this.used); // header extension length
    }
  }

  private readonly pieceBytes: number;

  /** Starts a row of `fields` fields. */
  row(fields: number): this {
    this.room(2);
    this.used = this.buffer.writeInt16BE(fields, this.used);
    return this;
  }

  /** A uuid field from its 16 bytes. */
  uuid(bytes: Uint8Array): this {
    this.room(20);
    this.used = this.buffer.writeInt32BE(16, this.used);
    this.buffer.set(bytes, this.used);
    this.used += 16;
    return this;
  }

  /** A uuid field from its text form (a workspace's or a list's id). */
  uuidText(id: string): this {
    return this.uuid(Buffer.from(id.replace(/-/g, ''), 'hex'));
  }

  /** A text field (null as SQL NULL), encoded as UTF-8. */
  text(value: string | null): this {
    if (value === null) return this.null();
    this.room(4 + value.length * 3); // UTF-8 bytes of one UTF-16 unit, at most
    const length = this.buffer.write(value, this.used + 4);
    this.buffer.writeInt32BE(length, this.used);
    this.used += 4 + length;
    return this;
  }

  /** A jsonb field from JSON text: the version byte (1), then the text. */
  jsonb(json: string | null): this {
    if (json === null) return this.null();
    this.room(5 + json.length * 3);
    this.buffer[this.used + 4] = 1;
    const length = this.buffer.write(json, this.used + 5);
    this.buffer.writeInt32BE(length + 1, this.used);
    this.used += 5 + length;
    return this;
  }

  /** A jsonb field from JSON text in two parts: bytes encoded once (UTF-8) and a text that ends it. */
  jsonbJoined(start: Uint8Array, end: string): this {
    this.room(5 + start.length + end.length * 3);
    this.buffer[this.used + 4] = 1;
    this.buffer.set(start, this.used + 5);
    const length = this.buffer.write(end, this.used + 5 + start.length);
    this.buffer.writeInt32BE(1 + start.length + length, this.used);
    this.used += 5 + start.length + length;
    return this;
  }

  /** A timestamptz field from milliseconds since the Unix epoch (null as SQL NULL). */
  timestamptz(ms: number | null): this {
    if (ms === null) return this.null();
    this.room(12);
    this.used = this.buffer.writeInt32BE(8, this.used);
    this.used = this.buffer.writeBigInt64BE(BigInt(ms - PG_EPOCH_MS) * 1000n, this.used);
    return this;
  }

  null(): this {
    this.room(4);
    this.used = this.buffer.writeInt32BE(-1, this.used);
    return this;
  }

  /** Fields already encoded (see `fields`), copied as they are. */
  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
    return this;
  }

  /** Ends the data with the trailer; returns the pieces. The writer is spent after this. */
  finish(): Buffer[] {
    this.room(2);
    this.used = this.buffer.writeInt16BE(-1, this.used);
    this.flush();
    return this.pieces;
  }

  /** The bytes written so far, without trailer: for fields encoded once and copied into many rows. */
  bytes(): Buffer {
    this.flush();
    return Buffer.concat(this.pieces);
  }

  private room(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    this.flush();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.pieces.push(this.buffer.subarray(0, this.used));
    this.buffer = Buffer.allocUnsafe(this.pieceBytes);
    this.used = 0;
  }
}

/** Fields encoded once (a batch's constant columns), to be copied into each row with `raw`. */
export function fields(write: (w: CopyBinary) => void): Buffer {
  const w = new CopyBinary({ header: false, pieceBytes: 256 });
  write(w);
  return w.bytes();
}
