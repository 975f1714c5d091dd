import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAsciiDotString, isLocalPart, isRoleAddress, normalizeEmail } from './address.js';

describe('normalizeEmail', () => {
  const valid: [string, string][] = [
    ['Anna.Martin@Example.FR', 'Anna.Martin@example.fr'],
    ['  kim+news@example.com ', 'kim+news@example.com'],
    ['o\'brien@example.ie', 'o\'brien@example.ie'],
    ['"john doe"@example.com', '"john doe"@example.com'],
    ['"a@b"@example.com', '"a@b"@example.com'],
    ['user@bücher.example', 'user@xn--bcher-kva.example'],
    ['user@EXAMPLE.com.', 'user@example.com'],
    ['jörg@example.de', 'jörg@example.de'],
    ['postmaster@[192.0.2.1]', 'postmaster@[192.0.2.1]'],
    ['x@[IPv6:2001:DB8::1]', 'x@[IPv6:2001:db8::1]'],
  ];
  for (const [input, address] of valid) {
    it(`accepts ${input}`, () => {
      const r = normalizeEmail(input);
      assert.ok(r.ok, r.ok ? '' : r.message);
      assert.equal(r.address, address);
    });
  }
  const invalid = ['', 'plain', '@example.com', 'a@', 'a@@example.com', 'a..b@example.com', '.a@example.com', 'a.@example.com',
    'a b@example.com', 'a@example', 'a@-example.com', 'a@example-.com', 'a@exa_mple.com', 'a@example.123', `${'x'.repeat(65)}@example.com`,
    `a@${'x'.repeat(250)}.com`, 'a@[300.1.1.1]', '"unclosed@example.com', 'a@xn--zz.com', 'a@exam ple.com'];
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const r = normalizeEmail(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(r.message.length > 5);
    });
  }
  it('rejects what is not a string without throwing', () => {
    for (const v of [null, undefined, 42, {}, ['a@b.c']]) assert.equal(normalizeEmail(v).ok, false);
  });
  it('answers the same for a domain however many other domains were checked between (the bounded domain cache)', () => {
    const probes = ['Ex\u00e4mple.COM', 'bad_domain.com', 'mail.example.org'];
    const first = probes.map((d) => normalizeEmail(`someone@${d}`));
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20000; i++) assert.equal(normalizeEmail(`a@d${i}.example`).ok, true);
      assert.deepEqual(probes.map((d) => normalizeEmail(`someone@${d}`)), first);
    }
    assert.deepEqual(first.map((r) => r.ok && r.domain), ['xn--exmple-cua.com', false, 'mail.example.org']);
  });
});

describe('isRoleAddress', () => {
  for (const a of ['info@x.fr', 'INFO@x.fr', 'sales+spring@x.com', 'no-reply@x.com', 'no_reply@x.com', 'No.Reply@x.com', 'noreply@x.com',
    'do-not-reply@x.com', 'webmaster@x.com', 'postmaster@x.com', 'hostmaster@x.com', 'abuse@x.com', 'admin@x.com', 'support@x.com', 'office@x.com',
    'marketing@x.com', 'billing@x.com', 'jobs@x.com', 'hr@x.com', 'press@x.com', 'contact@x.com', 'info2@x.com', 'kontakt@x.de', '"info"@x.com']) {
    it(`${a} is a role address`, () => assert.equal(isRoleAddress(a), true));
  }
  for (const a of ['anna@x.fr', 'salesman.joe@x.com', 'information.officer@x.com', 'j.info@x.com', 'infosec.team.lead@x.com', 'hrvoje@x.hr', '2@x.com']) {
    it(`${a} is a person`, () => assert.equal(isRoleAddress(a), false));
  }
});

describe('isAsciiDotString (the fast local-part check) agrees with the regular expressions', () => {
  // Dots, quotes, atext, specials and non-ASCII, in runs, so that leading, trailing and doubled dots all occur.
  const unit = fc.oneof(
    fc.constantFrom('.', '..', '"', '\\\\', ' ', '@', '(', ',', 'é', '\u00a0', 'a', 'Z', '9', '+', '!', '~', '`', '{'),
    fc.string({ unit: 'grapheme-ascii', maxLength: 3 }),
  );
  const text = fc.array(unit, { maxLength: 8 }).map((parts) => parts.join(''));
  it('never accepts what they reject, and accepts every plain ASCII local part they accept', () => {
    fc.assert(fc.property(text, (s) => {
      const fast = isAsciiDotString(s, s.length);
      if (fast) return isLocalPart(s);
      // Left to the regexes: a quote or non-ASCII; otherwise the fast check must have agreed.
      return /["\u0080-\uffff]/.test(s) || !isLocalPart(s);
    }), { numRuns: 20_000 });
  });
  it('reads only up to the end it is given', () => {
    assert.equal(isAsciiDotString('anna@x', 4), true);
    assert.equal(isAsciiDotString('anna.@x', 5), false);
  });
  it('normalises generated addresses the same with either path', () => {
    const local = text.filter((s) => s.length > 0 && !s.includes('@') && s === s.trim());
    fc.assert(fc.property(local, fc.constantFrom('example.com', 'Example.COM', 'bücher.example', 'x'), (l, d) => {
      const r = normalizeEmail(`${l}@${d}`);
      // The quoted form is the same local part through the regex path only: both must agree on validity.
      return r.ok === (isLocalPart(l) && d !== 'x') && (!r.ok || r.address === `${l}@${d.toLowerCase().replace('bücher', 'xn--bcher-kva')}`);
    }), { numRuns: 5_000 });
  });
});
