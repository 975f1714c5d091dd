// The CLI's byte writer must give exactly the engine's answer line, whatever the answer holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doi, makeCase, notice } from '../../engine/builders.js';
import { answerLine, evaluate } from '../../engine/evaluate.js';
import { parseCase } from '../../engine/parse-case.js';
import type { Answer, CaseInput } from '../../engine/types.js';
import { AnswerBytes } from './answer-bytes.js';

function answerOf(c: CaseInput): Answer {
  const p = parseCase(c);
  if (!p.ok) assert.fail(p.error.message);
  return evaluate(p.case);
}

describe('AnswerBytes', () => {
  const cases: CaseInput[] = [
    makeCase({ id: 'plain', contact: { consents: [doi()] } }),
    makeCase({ id: 'quote " and \\ and \u2028 and é and 😀', contact: { consents: [doi()] } }),
    makeCase({ id: 'broker', contact: { source: { type: 'list_broker' } } }),
    makeCase({ id: 'soft', contact: { consents: [notice(['running-shoes'])], purchases: [{ at: '2026-01-10T10:00:00Z', categories: ['running-shoes'] }] } }),
    makeCase({ id: 'ca', contact: { country: 'CA' }, message: { purpose: 'service' } }),
  ];
  const noId = makeCase({ contact: { consents: [doi()] } });
  delete noId.id;
  cases.push(noId);

  it('writes what answerLine writes, one line each, for sends, blocks, clocks and odd ids', () => {
    const w = new AnswerBytes(16); // small on purpose: it must grow
    let expected = '';
    const verdicts = new Set<string>();
    for (let round = 0; round < 3; round++) {
      for (const c of cases) {
        const a = answerOf(c);
        verdicts.add(`${a.verdict}:${a.validUntil === null ? 'none' : 'clock'}`);
        w.answer(a);
        expected += answerLine(a) + '\n';
      }
    }
    assert.equal(w.bytes().toString('utf8'), expected);
    assert.deepEqual([...verdicts].sort(), ['block:none', 'send:clock', 'send:none']);
  });

  it('writes answers built by hand (plain reasons, a send without a basis) the same way', () => {
    const hand: Answer[] = [
      { id: 'x', verdict: 'send', basis: null, reasons: [{ code: 'valid_consent', effect: 'allow', policy: 'eu', rule: 'R-1', text: 'A "quoted" reason' }], validUntil: Date.UTC(2027, 0, 2) },
      { id: null, verdict: 'block', basis: 'consent', reasons: [], validUntil: null },
    ];
    const w = new AnswerBytes(0);
    for (const a of hand) w.answer(a);
    w.line('{"line":3}');
    assert.equal(w.bytes().toString('utf8'), hand.map((a) => answerLine(a) + '\n').join('') + '{"line":3}\n');
  });

  it('owns its memory, so the bytes can be transferred to another thread', () => {
    const w = new AnswerBytes(64);
    w.answer(answerOf(cases[0]));
    assert.notEqual(w.bytes().buffer.byteLength, Buffer.poolSize);
    assert.equal(w.bytes().byteOffset, 0);
  });
});
