import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDeclaration } from './check-declaration.js';
import { declarationSchema } from './declaration.js';

const now = new Date('2026-03-01T00:00:00Z');
const decl = (over: Record<string, unknown>) => declarationSchema.parse({ list: 'L', source: 'web_form', collectedAt: '2026-01-01', consent: 'double_opt_in', evidence: ['f'], ...over });

test('forbidden sources are refused with the platform rule that refuses them', () => {
  const expect: Record<string, string> = { list_broker: 'CR-NO-01', web_scrape: 'CR-NO-02', event_organizer: 'CR-EX-02', social_network: 'CR-EX-05', partner: 'CR-EX-06' };
  for (const [source, rule] of Object.entries(expect)) {
    const r = checkDeclaration({ declaration: decl({ source }), now });
    assert.equal(r.ok, false, source);
    if (!r.ok) assert.equal(r.refusals[0].rule, rule);
  }
  const third = checkDeclaration({ declaration: decl({ collectedBy: 'third_party' }), now });
  assert.equal(!third.ok && third.refusals[0].rule, 'CR-NO-06');
});

test('membership is refused without individual consent, allowed with a documented double opt-in', () => {
  const single = checkDeclaration({ declaration: decl({ source: 'membership', consent: 'single_opt_in' }), now });
  assert.equal(!single.ok && single.refusals[0].rule, 'CR-NO-07');
  assert.equal(checkDeclaration({ declaration: decl({ source: 'membership' }), now }).ok, true);
});

test('own sources pass; a partner that collected for us passes; a collection date in the future is refused', () => {
  for (const source of ['web_form', 'checkout', 'offline_form', 'crm']) assert.equal(checkDeclaration({ declaration: decl({ source }), now }).ok, true, source);
  assert.equal(checkDeclaration({ declaration: decl({ source: 'partner', collectedBy: 'third_party_for_us' }), now }).ok, true);
  const future = checkDeclaration({ declaration: decl({ collectedAt: '2026-06-01' }), now });
  assert.equal(!future.ok && /future/.test(future.reason), true);
});

test('the schema names the field of a bad declaration', () => {
  const r = declarationSchema.safeParse({ list: '', source: 'bought', collectedAt: 'yesterday', consent: 'double_opt_in' });
  assert.equal(r.success, false);
  if (!r.success) assert.deepEqual(r.error.issues.map((i) => i.path.join('.')).sort(), ['collectedAt', 'list', 'source']);
});
