import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoleAddress } from '../engine/address.js';
import { KINDS } from '../engine/types.js';
import type { RowCandidate } from './check-row.js';
import { declarationSchema, type DeclarationInput } from './declaration.js';
import { newContactVerdict, newContactVerdicts } from './verdicts.js';

const at = Date.parse('2026-06-01T12:00:00Z');

// Rows that differ in every field a candidate has, including those the memo key leaves out (address, domain,
// phone, custom fields, line): a memoised verdict must equal the one evaluated afresh for each of them.
function rows(): RowCandidate[] {
  const locals = ['anna', 'info', 'sales', 'j.doe+news', 'postmaster', 'Jörg'];
  const domains = ['example.fr', 'gmail.com', 'company.de', 'xn--bcher-kva.example', 'shop.co.uk'];
  const countries = ['FR', 'DE', 'GB', 'US', 'CA', 'BE', 'IT', 'CH'];
  const births = [null, '2015-03-02', '2009-06-01', '2008-06-02', '1980-01-01'];
  const out: RowCandidate[] = [];
  let line = 2;
  for (const country of countries) {
    for (const kind of KINDS) {
      for (const birthDate of births) {
        for (let i = 0; i < 4; i++) {
          const email = `${locals[(line + i) % locals.length]}@${domains[(line * 7 + i) % domains.length]}`;
          out.push({
            outcome: 'candidate', line: line++, email, country, kind, birthDate, role: isRoleAddress(email),
            phone: i % 2 === 0 ? null : `+3361${String(line).padStart(7, '0')}`,
            custom: i % 3 === 0 ? {} : { firstName: `N${line}`, company: `C${i}` },
          });
        }
      }
    }
  }
  return out;
}

const declarations: DeclarationInput[] = [
  { list: 'L', source: 'web_form', collectedAt: '2026-01-15', consent: 'double_opt_in', evidence: ['form:f@1'] },
  { list: 'L', source: 'web_form', collectedAt: '2026-01-15', consent: 'single_opt_in', evidence: [] },
  { list: 'L', source: 'checkout', collectedAt: '2025-11-02', consent: 'purchase_notice', evidence: ['checkout:v2'], categories: ['shoes'] },
  { list: 'L', source: 'business_card', collectedAt: '2021-01-15', consent: 'written', evidence: ['scan:1'], collectedBy: 'third_party_for_us' },
];

test('the memoised verdict of a new contact equals the engine evaluated afresh, for every row and declaration', () => {
  const all = rows();
  const verdicts = new Set<string>();
  for (const input of declarations) {
    const declaration = declarationSchema.parse(input);
    const memoised = newContactVerdicts(declaration, at);
    for (const row of all) {
      const fresh = newContactVerdict(declaration, row, at);
      assert.deepEqual(memoised(row), fresh, `line ${row.line} (${row.email}, ${row.country}, ${row.kind}, ${row.birthDate})`);
      verdicts.add(JSON.stringify(fresh));
    }
  }
  // The rows reach several different verdicts, so equality is not trivially "send" everywhere.
  assert.ok(verdicts.size >= 4, `distinct verdicts: ${[...verdicts].join(' ')}`);
});
