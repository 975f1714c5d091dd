import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isRoleAddress, isRoleAddressReference, ROLE_NAMES } from './role-addresses.js';

const NAMES = [...ROLE_NAMES];
// Pieces that make the interesting cases: role names in any case, separators, digits, sub-addresses, a second
// '@', non-ASCII letters (the Kelvin sign lower-cases to 'k', U+00A0 is white space to \s), and plain letters.
const piece = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.constantFrom(...NAMES).map((n) => n.toUpperCase()),
  fc.constantFrom('-', '_', '.', '"', ' ', '\t', '+', '@', '0', '1', '9', '01', '\u00a0', '\u212a', 'İ', 'é', 'ß', '!', '#', '~'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 4 }),
  fc.string({ unit: 'binary', maxLength: 2 }),
);
const local = fc.array(piece, { maxLength: 5 }).map((parts) => parts.join(''));
const address = fc.tuple(local, fc.constantFrom('@example.com', '@Ex.FR', '', '@bücher.example', '@x+y.com')).map(([l, d]) => l + d);

describe('isRoleAddress (trie walk) agrees with the reference definition', () => {
  it('on generated addresses', () => {
    fc.assert(fc.property(address, (a) => isRoleAddress(a) === isRoleAddressReference(a)), { numRuns: 20_000 });
  });
  it('on every role name, in both cases, with digits, separators and a sub-address', () => {
    for (const n of NAMES) {
      for (const a of [n, n.toUpperCase(), `${n}7`, `${n}-01`, `${n[0]}.${n.slice(1)}`, `${n}+x`, `${n}x`, `x${n}`, `${n.slice(0, -1)}`]) {
        const full = `${a}@example.com`;
        assert.equal(isRoleAddress(full), isRoleAddressReference(full), full);
      }
      assert.equal(isRoleAddress(`${n}42@x.com`), true);
    }
  });
  it('takes the reference path for non-ASCII that folds to ASCII', () => {
    // U+212A KELVIN SIGN lower-cases to 'k', so this is 'kontakt'.
    assert.equal(isRoleAddress('\u212aontakt@x.de'), true);
    assert.equal(isRoleAddress('in\u00a0fo@x.com'), true);
    assert.equal(isRoleAddress('jörg@x.de'), false);
  });
});

describe('role names in French and German', () => {
  it('knows the desks of a French or German company, not only the English ones', () => {
    for (const a of ['ventes@shop.fr', 'Service-Client@shop.fr', 'ne-pas-repondre@shop.fr', 'facturation@shop.fr', 'rh@shop.fr',
      'verkauf@shop.de', 'Kundendienst@shop.de', 'keine.antwort@shop.de', 'rechnungen@shop.de', 'einkauf2@shop.de']) {
      assert.equal(isRoleAddress(a), true, a);
    }
  });
  it('still leaves people alone', () => {
    for (const a of ['vincent@shop.fr', 'venteux@shop.fr', 'sabine.verkaufer@shop.de', 'rhea@shop.fr', 'savannah@shop.com', 'anna@shop.de']) {
      assert.equal(isRoleAddress(a), false, a);
    }
  });
});
