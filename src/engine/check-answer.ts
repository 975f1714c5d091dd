/**
 * Table-test support: runs one case through `parseCase` and `evaluate` and compares what a row expects.
 * Used by the engine's table tests; kept beside the engine so each table file stays only its table.
 */
import assert from 'node:assert/strict';
import { answerToJson, evaluate } from './evaluate.js';
import { parseCase } from './parse-case.js';
import type { AnswerJson, Basis, CaseInput, ReasonCode, Verdict } from './types.js';

export interface Row {
  name: string;
  case: CaseInput;
  verdict: Verdict;
  basis?: Basis | null;
  /** Codes that must be among the reasons (any pack). */
  codes?: ReasonCode[];
  /** Rule ids that must be among the reasons. */
  rules?: string[];
  /** Codes that must not appear. */
  absent?: ReasonCode[];
  /** Expected `validUntil` (ISO), or null. */
  validUntil?: string | null;
}

export function answer(c: CaseInput): AnswerJson {
  const parsed = parseCase(c);
  if (!parsed.ok) assert.fail(`case did not parse: ${parsed.error.path}: ${parsed.error.message}`);
  return answerToJson(evaluate(parsed.case));
}

export function checkRow(row: Row): void {
  const a = answer(row.case);
  const shown = JSON.stringify(a.reasons.map((r) => `${r.policy}:${r.rule}:${r.code}:${r.effect}`));
  assert.equal(a.verdict, row.verdict, `verdict; reasons ${shown}`);
  if (row.verdict === 'block') assert.ok(a.reasons.some((r) => r.effect === 'block'), 'a block names a blocking reason');
  if (row.verdict === 'block') assert.equal(a.basis, null);
  if (row.basis !== undefined) assert.equal(a.basis, row.basis, `basis; reasons ${shown}`);
  const codes = new Set(a.reasons.map((r) => r.code));
  for (const code of row.codes ?? []) assert.ok(codes.has(code), `expected code ${code} among ${shown}`);
  for (const code of row.absent ?? []) assert.ok(!codes.has(code), `code ${code} should not be among ${shown}`);
  const rules = new Set(a.reasons.map((r) => r.rule));
  for (const rule of row.rules ?? []) assert.ok(rules.has(rule), `expected rule ${rule} among ${shown}`);
  if (row.validUntil !== undefined) assert.equal(a.validUntil, row.validUntil);
  for (const r of a.reasons) assert.ok(r.text.length > 20, `rule ${r.rule} has a sentence`);
}
