import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellIndex, cellText, chooseSheet, hyperlinkFormulaAddress, mailtoAddress } from './read-xlsx.js';
import { formatDigits } from './digits-format.js';
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

test('HYPERLINK formulas give their mailto: address when it is written out', () => {
  assert.equal(hyperlinkFormulaAddress('HYPERLINK("mailto:ann@example.org","Ann")'), 'ann@example.org');
  assert.equal(hyperlinkFormulaAddress(' =hyperlink( "MAILTO:Bob%40example.org?subject=Hi" , "Bob" )'), 'Bob@example.org');
  assert.equal(hyperlinkFormulaAddress('HYPERLINK("mailto:cara@example.org")'), 'cara@example.org');
  assert.equal(hyperlinkFormulaAddress('HYPERLINK("mailto:"&B2,"Dan")'), null, 'a target made from other cells is not known');
  assert.equal(hyperlinkFormulaAddress('HYPERLINK("https://example.org","Site")'), null);
  assert.equal(hyperlinkFormulaAddress('LOWER("a@example.org")'), null);
});

test('whole numbers are shown as a digits format shows them; any other format leaves them alone', () => {
  assert.equal(formatDigits('00000', '1234'), '01234');
  assert.equal(formatDigits('00000', '123456'), '123456');
  assert.equal(formatDigits('00000-0000', '123456789'), '12345-6789');
  assert.equal(formatDigits('00000-0000', '1234567'), '00123-4567');
  const phone = '[<=9999999]###-####;(###) ###-####';
  assert.equal(formatDigits(phone, '5551234'), '555-1234');
  assert.equal(formatDigits(phone, '2125551234'), '(212) 555-1234');
  assert.equal(formatDigits('[<=9999999]###\\-####;\\(###\\)\\ ###\\-####', '2125551234'), '(212) 555-1234', 'escaped, as Excel writes it');
  assert.equal(formatDigits('000-00-0000', '78051120'), '078-05-1120');
  assert.equal(formatDigits('0# ## ## ## ##', '612345678'), '06 12 34 56 78');
  assert.equal(formatDigits('"+33 "0 00 00 00 00', '612345678'), '+33 6 12 34 56 78');
  assert.equal(formatDigits('#-0', '0'), '-0');
  for (const other of ['0', '#', '0.00', '#,##0', 'dd/mm/yyyy', '@', '0%', 'General', '_(0_)']) assert.equal(formatDigits(other, '1234'), null, other);
  assert.equal(formatDigits('00000', '12.5'), null);
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
