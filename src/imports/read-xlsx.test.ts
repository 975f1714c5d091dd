import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellIndex, cellText, chooseSheet, mailtoAddress } from './read-xlsx.js';
import { strToU8, zipSync } from 'fflate';
import { MAX_ENTRY_BYTES, zipEntries } from './zip-entries.js';
import { withLinkedAddress } from './check-row.js';

test('cell references, mailto: links and cell values as text', () => {
  assert.deepEqual(cellIndex('A1'), [0, 0]);
  assert.deepEqual(cellIndex('$AB$12'), [11, 27]);
  assert.equal(cellIndex('R1C1'), null);
  assert.equal(mailtoAddress('mailto:Ann%40example.org?subject=Hi&body=x'), 'Ann@example.org');
  assert.equal(mailtoAddress('MAILTO:bob@example.org'), 'bob@example.org');
  assert.equal(mailtoAddress('https://example.org'), null);
  assert.equal(cellText(new Date('2025-03-01T00:00:00.000Z')), '2025-03-01');
  // Excel's day fractions come back a millisecond short: rounded to the second, the time kept
  assert.equal(cellText(new Date('2025-03-01T10:22:32.999Z')), '2025-03-01 10:22:33');
  assert.equal(cellText(null), '');
  assert.equal(cellText(612345678), '612345678');
});

test('the sheet with the most addresses holds the list; without any, the first sheet with a value', () => {
  const cover = [['Member list'], ['Questions: office@example.net']];
  const list = [['Email'], ['a@example.org'], ['b@example.org']];
  assert.equal(chooseSheet([cover, list]), 1);
  assert.equal(chooseSheet([[], [[null]], list]), 2);
  assert.equal(chooseSheet([[[null]], [['Name'], ['Ann']]]), 1);
  assert.equal(chooseSheet([[]]), 0);
});

test('an address cell whose text is no address takes its mailto: link; a cell holding an address keeps it', () => {
  const links = new Map([[0, 'dan@example.org']]);
  assert.deepEqual(withLinkedAddress(['Write to Dan', 'Dan'], 0, links), ['dan@example.org', 'Dan']);
  assert.deepEqual(withLinkedAddress(['daniel@example.org', 'Dan'], 0, links), ['daniel@example.org', 'Dan']);
  assert.deepEqual(withLinkedAddress(['Write to Dan', 'Dan'], 1, links), ['Write to Dan', 'Dan'], 'a link in another column is not the address');
  assert.deepEqual(withLinkedAddress(['', 'Dan'], 0, undefined), ['', 'Dan']);
});

test('a damaged ZIP archive is refused with the reason; an entry that would unpack too large is never inflated', () => {
  assert.throws(() => zipEntries(Buffer.from('PK\u0003\u0004 not really a zip')), /ZIP archive is damaged or truncated/);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(0, 16);
  // a directory that is not there: no entries (the reader then says the file is no workbook)
  assert.deepEqual(zipEntries(end).names, []);

  const zip = Buffer.from(zipSync({ 'a.xml': strToU8('<a>fine</a>'), 'big.xml': strToU8('x'.repeat(1000)) }));
  const entries = zipEntries(zip);
  assert.deepEqual([entries.names, entries.text('a.xml'), entries.text('none.xml')], [['a.xml', 'big.xml'], '<a>fine</a>', undefined]);
  // The directory says how large an entry unpacks: a bomb's claim is refused before anything is inflated.
  const at = zip.indexOf(Buffer.from('big.xml', 'latin1'), zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))) - 46;
  zip.writeUInt32LE(MAX_ENTRY_BYTES + 1, at + 24);
  assert.throws(() => zipEntries(zip).text('big.xml'), /would unpack to 268435457 bytes/);
});
