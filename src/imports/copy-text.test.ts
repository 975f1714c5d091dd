import { it } from 'node:test';
import assert from 'node:assert/strict';
import { copyField } from './copy-text.js';

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
