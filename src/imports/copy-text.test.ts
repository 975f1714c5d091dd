import { it } from 'node:test';
import assert from 'node:assert/strict';
import { copyField, CopyPieces } from './copy-text.js';

/** What PostgreSQL's COPY text format reads back from one field (the inverse of the escaping). */
function readBack(field: string): string | null {
  if (field === '\\N') return null;
  return field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
}

it('escapes exactly the characters COPY text gives a meaning to, and nothing else', () => {
  assert.equal(copyField(null), '\\N');
  assert.equal(copyField('anna@example.fr'), 'anna@example.fr');
  assert.equal(copyField('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  assert.equal(copyField('\\N'), '\\\\N', 'a literal backslash-N is text, not null');
  for (const value of ['', 'plain', 'tab\there', '{"k":"line\\nbreak"}', 'é ü 日本', '\\\\\t\t\n', 'x\\']) {
    const field = copyField(value);
    assert.doesNotMatch(field, /[\t\n\r]/, 'a field never holds a raw separator');
    assert.equal(readBack(field), value);
  }
});

it('packs rows into UTF-8 pieces that hold whole rows and read back as the rows joined', () => {
  const rows = Array.from({ length: 500 }, (_, i) => `${i}\tÉlodie 日本 ${'x'.repeat(i % 37)}\t${copyField(i % 7 === 0 ? null : `😀${i}`)}\n`);
  rows.push(`${'long '.repeat(100)}\n`); // longer than a piece on its own
  const pieces = new CopyPieces(256);
  for (const row of rows) pieces.add(row);
  const out = pieces.finish();
  assert.ok(out.length > 10, 'several pieces');
  assert.equal(Buffer.concat(out).toString('utf8'), rows.join(''));
  for (const piece of out) assert.equal(piece[piece.length - 1], 10, 'each piece ends at the end of a row');
  assert.deepEqual(new CopyPieces().finish(), [], 'no rows, no pieces');
});
