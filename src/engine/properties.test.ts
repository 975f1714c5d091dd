// Invariants of the engine over generated cases (fast-check): whatever the case, these must hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evaluate } from './evaluate.js';
import { parseCase } from './parse-case.js';
import {
  ACTIVITY_TYPES, CHANNELS, COLLECTED_BY, CONSENT_METHODS, KINDS, POLICY_PACKS, SOURCE_TYPES, SUPPRESSION_REASONS,
  type Answer, type CaseInput, type ConsentInput,
} from './types.js';

const BASE = Date.UTC(2026, 2, 1);
const date = fc.integer({ min: -1600, max: 400 }).map((d) => new Date(BASE + d * 86_400_000 + (d % 24) * 3_600_000).toISOString());
const categories = fc.subarray(['running-shoes', 'trail', 'socks', 'watches']);
const evidence = fc.subarray(['form:v3', 'ip:203.0.113.9', 'scan:17']);
const consentArb: fc.Arbitrary<ConsentInput> = fc.record({
  channel: fc.constantFrom(...CHANNELS), method: fc.constantFrom(...CONSENT_METHODS), at: date,
  confirmedAt: fc.option(date, { nil: undefined }), evidence, categories, withdrawnAt: fc.option(date, { nil: undefined }),
}, { requiredKeys: ['channel', 'method', 'at'] });
const activityArb = fc.record({ type: fc.constantFrom(...ACTIVITY_TYPES), at: date });
const suppressionArb = fc.record({
  reason: fc.constantFrom(...SUPPRESSION_REASONS), at: date,
  channel: fc.constantFrom(...CHANNELS, 'all' as const), scope: fc.constantFrom('marketing' as const, 'all_mail' as const),
});
const caseArb: fc.Arbitrary<CaseInput> = fc.record({
  id: fc.constant('p'),
  at: fc.integer({ min: -30, max: 400 }).map((d) => new Date(BASE + d * 86_400_000).toISOString()),
  policies: fc.option(fc.subarray([...POLICY_PACKS], { minLength: 1 }), { nil: undefined }),
  contact: fc.record({
    email: fc.constantFrom('anna@example.fr', 'info@example.com', 'kim+x@bücher.example', 'No-Reply@example.de'),
    phone: fc.constant('+33612345678'),
    country: fc.constantFrom('FR', 'DE', 'GB', 'US', 'CA', 'ES'),
    kind: fc.constantFrom(...KINDS),
    birthDate: fc.option(fc.constantFrom('2012-05-04', '2009-03-01', '1980-01-01'), { nil: undefined }),
    source: fc.record({
      type: fc.constantFrom(...SOURCE_TYPES), at: fc.option(date, { nil: undefined }), collectedBy: fc.constantFrom(...COLLECTED_BY),
      clientAttested: fc.boolean(),
      sponsors: fc.option(fc.record({ count: fc.integer({ min: 0, max: 20 }), named: fc.boolean() }), { nil: undefined }),
      legitimateInterest: fc.option(fc.record({ reason: fc.constantFrom('job fit', ''), roleRelevant: fc.boolean(), informedAtCollection: fc.boolean() }), { nil: undefined }),
    }, { requiredKeys: ['type'] }),
    consents: fc.array(consentArb, { maxLength: 3 }),
    purchases: fc.array(fc.record({ at: date, categories }), { maxLength: 2 }),
    inquiries: fc.array(fc.record({ at: date }), { maxLength: 2 }),
    activity: fc.array(activityArb, { maxLength: 3 }),
    suppressions: fc.array(suppressionArb, { maxLength: 1 }),
    bounces: fc.array(fc.record({ type: fc.constantFrom('hard' as const, 'soft' as const), at: date, status: fc.constantFrom('5.1.1', '4.2.2', '5.7.1', '5.2.2') }), { maxLength: 3 }),
    registries: fc.subarray(['bloctel', 'tps', 'dncl']),
  }, { requiredKeys: ['email', 'phone', 'country', 'source'] }),
  message: fc.record({ channel: fc.constantFrom(...CHANNELS), purpose: fc.constantFrom('marketing' as const, 'service' as const), categories }),
}, { requiredKeys: ['id', 'at', 'contact', 'message'] });

// Random cases are mostly blocked; half of the cases start from a sendable base (confirmed double opt-in from our
// own form, a person's address, nothing suppressed) so that the send side of each invariant is exercised too.
const sendableArb: fc.Arbitrary<CaseInput> = fc.tuple(caseArb, fc.constantFrom(...CHANNELS), date).map(([c, channel, at]) => ({
  ...c,
  message: { ...c.message, channel, purpose: 'marketing' as const },
  contact: {
    ...c.contact,
    email: 'anna@example.fr',
    kind: 'consumer' as const,
    birthDate: undefined,
    source: { type: 'web_form' as const, at },
    consents: [...(c.contact.consents ?? []), { channel, method: 'double_opt_in' as const, at, confirmedAt: at, evidence: ['form:v3'] }],
    suppressions: [],
    bounces: [],
    registries: [],
  },
}));
const anyCaseArb = fc.oneof(caseArb, sendableArb);

function run(c: CaseInput): Answer {
  const parsed = parseCase(c);
  if (!parsed.ok) throw new Error(`generated case did not parse: ${parsed.error.message}`);
  return evaluate(parsed.case);
}

function withContact(c: CaseInput, change: (contact: CaseInput['contact']) => Partial<CaseInput['contact']>): CaseInput {
  return { ...c, contact: { ...c.contact, ...change(c.contact) } };
}

const RUNS = { numRuns: 400 };

describe('engine invariants', () => {
  it('the generated cases cover both verdicts', () => {
    const verdicts = fc.sample(anyCaseArb, { numRuns: 400, seed: 7 }).map((c) => run(c).verdict);
    const sends = verdicts.filter((v) => v === 'send').length;
    assert.ok(sends > 80 && sends < 320, `${sends} of 400 cases were sends`);
  });

  it('every answer is well formed: a block has a blocking reason and no basis, a send has a basis', () => {
    fc.assert(fc.property(anyCaseArb, (c) => {
      const a = run(c);
      if (a.verdict === 'block') {
        assert.ok(a.reasons.some((r) => r.effect === 'block'));
        assert.equal(a.basis, null);
        assert.equal(a.validUntil, null);
      } else {
        assert.notEqual(a.basis, null);
        assert.ok(!a.reasons.some((r) => r.effect === 'block'));
        if (a.validUntil !== null) assert.ok(a.validUntil > Date.parse(c.at!));
      }
    }), RUNS);
  });

  it('adding a suppression never turns block into send', () => {
    fc.assert(fc.property(anyCaseArb, suppressionArb, (c, s) => {
      const before = run(c).verdict;
      const after = run(withContact(c, (k) => ({ suppressions: [...(k.suppressions ?? []), s] }))).verdict;
      assert.ok(!(before === 'block' && after === 'send'));
    }), RUNS);
  });

  it('a service message is never blocked for lack of marketing consent', () => {
    fc.assert(fc.property(anyCaseArb, (c) => {
      const service = { ...c, message: { ...c.message, purpose: 'service' as const } };
      const a = run(service);
      for (const r of a.reasons) if (r.effect === 'block') assert.ok(['suppressed', 'hard_bounce', 'soft_bounce_limit'].includes(r.code), r.code);
      // Taking every consent away changes nothing for a service message.
      assert.equal(run(withContact(service, () => ({ consents: [], purchases: [], inquiries: [] }))).verdict, a.verdict);
    }), RUNS);
  });

  it('an open never moves validUntil (nor the verdict)', () => {
    fc.assert(fc.property(anyCaseArb, date, (c, at) => {
      const before = run(c);
      const after = run(withContact(c, (k) => ({ activity: [...(k.activity ?? []), { type: 'open', at }] })));
      assert.equal(after.validUntil, before.validUntil);
      assert.equal(after.verdict, before.verdict);
    }), RUNS);
  });

  const moreEvidence = fc.oneof(
    consentArb.map((x) => (k: CaseInput['contact']) => ({ consents: [...(k.consents ?? []), { ...x, withdrawnAt: undefined }] })),
    fc.record({ at: date, categories }).map((p) => (k: CaseInput['contact']) => ({ purchases: [...(k.purchases ?? []), p] })),
    date.map((at) => (k: CaseInput['contact']) => ({ inquiries: [...(k.inquiries ?? []), { at }] })),
    activityArb.filter((a) => a.type !== 'open').map((a) => (k: CaseInput['contact']) => ({ activity: [...(k.activity ?? []), a] })),
    fc.constant((k: CaseInput['contact']) => ({ consents: (k.consents ?? []).map((x) => ({ ...x, evidence: [...(x.evidence ?? []), 'extra:proof'] })) })),
  );

  it('more evidence never turns send into block', () => {
    fc.assert(fc.property(anyCaseArb, moreEvidence, (c, add) => {
      const before = run(c).verdict;
      const after = run(withContact(c, add)).verdict;
      assert.ok(!(before === 'send' && after === 'block'));
    }), RUNS);
  });

  it('is pure: the same case gives the same answer', () => {
    fc.assert(fc.property(anyCaseArb, anyCaseArb, (c, other) => {
      const first = JSON.stringify(run(c));
      run(other);
      assert.equal(JSON.stringify(run(c)), first);
    }), { numRuns: 100 });
  });
});
