import { it } from 'node:test';
import assert from 'node:assert/strict';
import { CopyBinary, fields } from './copy-binary.js';
import { uuidV7, writeUuidV7 } from './uuid-v7.js';

type Field = Buffer | null;

/** Reads binary COPY data back into rows of raw fields, checking the signature, header and trailer. */
function readBack(data: Buffer): Field[][] {
  assert.equal(data.subarray(0, 11).toString('latin1'), 'PGCOPY\n\xff\r\n\0');
  assert.equal(data.readInt32BE(11), 0, 'flags');
  assert.equal(data.readInt32BE(15), 0, 'no header extension');
  const rows: Field[][] = [];
  let at = 19;
  for (;;) {
    const count = data.readInt16BE(at);
    at += 2;
    if (count === -1) break;
    const row: Field[] = [];
    for (let i = 0; i < count; i++) {
      const length = data.readInt32BE(at);
      at += 4;
      row.push(length === -1 ? null : data.subarray(at, at + length));
      if (length > 0) at += length;
    }
    rows.push(row);
  }
  assert.equal(at, data.length, 'nothing after the trailer');
  return rows;
}

it('writes rows PostgreSQL reads as binary COPY: uuids, UTF-8 text, nulls, jsonb and timestamps, across pieces', () => {
  const at = Date.parse('2026-03-01T09:00:00.123Z');
  const shared = fields((w) => w.text('web_form').timestamptz(at));
  const texts = ['plain', 'tab\there\nand a line break \\ backslash', 'Élodie 日本 😀', '', '"quoted"'];
  const w = new CopyBinary({ pieceBytes: 64 });
  const id = new Uint8Array(16);
  for (let i = 0; i < 40; i++) {
    writeUuidV7(at, id);
    w.row(7).uuid(id).text(texts[i % texts.length]).text(i % 3 === 0 ? null : `n${i}`).jsonb(JSON.stringify({ line: i, name: texts[i % texts.length] }))
      .jsonbJoined(Buffer.from('{"importId":7,"importLine":'), `${i}}`).raw(shared);
  }
  w.row(1).text('x'.repeat(500)); // longer than a piece
  const pieces = w.finish();
  assert.ok(pieces.length > 10, 'several pieces');
  const rows = readBack(Buffer.concat(pieces));
  assert.equal(rows.length, 41);
  for (let i = 0; i < 40; i++) {
    const [uuid, text, maybe, json, evidence, source, sourceAt] = rows[i];
    assert.equal(uuid!.length, 16);
    assert.equal(uuid![6] >>> 4, 7, 'version 7');
    assert.equal(text!.toString('utf8'), texts[i % texts.length]);
    assert.equal(maybe, i % 3 === 0 ? null : maybe);
    if (i % 3 !== 0) assert.equal(maybe!.toString(), `n${i}`);
    assert.equal(json![0], 1, 'jsonb version byte');
    assert.deepEqual(JSON.parse(json!.subarray(1).toString('utf8')), { line: i, name: texts[i % texts.length] });
    assert.deepEqual(JSON.parse(evidence!.subarray(1).toString('utf8')), { importId: 7, importLine: i });
    assert.equal(source!.toString(), 'web_form');
    // microseconds since 2000-01-01
    assert.equal(sourceAt!.readBigInt64BE(0), BigInt(at - Date.UTC(2000, 0, 1)) * 1000n);
  }
  assert.equal(rows[40][0]!.toString(), 'x'.repeat(500));
});

it('a uuid given as text is written as the same 16 bytes', () => {
  const id = uuidV7(Date.now());
  const [row] = readBack(Buffer.concat(new CopyBinary().row(1).uuidText(id).finish()));
  assert.equal(row[0]!.toString('hex'), id.replace(/-/g, ''));
});
