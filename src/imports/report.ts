/**
 * The import report: counts by outcome (block codes counted one by one), a few sample rows per outcome, and the
 * rejected rows as CSV. Pure functions over plain data; the report is kept with the import as it grows.
 */
import { stringify } from 'csv-stringify/sync';
import type { ImportCounts, ImportSamples, SampleRow } from './imports.table.js';

export const SAMPLES_PER_OUTCOME = 5;

export type RowOutcome =
  | { outcome: 'eligible'; line: number; email: string }
  | { outcome: 'blocked'; line: number; email: string; codes: string[] }
  | { outcome: 'invalid' | 'duplicate' | 'suppressed'; line: number; email: string | null; reason: string };

export function emptyCounts(): ImportCounts {
  return { rows: 0, eligible: 0, blockedTotal: 0, blocked: {}, invalid: 0, duplicate: 0, suppressed: 0 };
}

/** Adds a batch's outcomes to copies of the counts and samples (the originals stay as they were). */
export function addOutcomes(counts: ImportCounts, samples: ImportSamples, outcomes: readonly RowOutcome[]): { counts: ImportCounts; samples: ImportSamples } {
  const c: ImportCounts = { ...counts, blocked: { ...counts.blocked } };
  const s: ImportSamples = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, [...v]]));
  const sample = (key: string, row: SampleRow) => {
    const list = (s[key] ??= []);
    if (list.length < SAMPLES_PER_OUTCOME) list.push(row);
  };
  for (const o of outcomes) {
    c.rows++;
    switch (o.outcome) {
      case 'eligible':
        c.eligible++;
        sample('eligible', { line: o.line, email: o.email });
        break;
      case 'blocked':
        c.blockedTotal++;
        for (const code of o.codes) {
          c.blocked[code] = (c.blocked[code] ?? 0) + 1;
          sample(`blocked:${code}`, { line: o.line, email: o.email, codes: o.codes });
        }
        break;
      default:
        c[o.outcome]++;
        sample(o.outcome, { line: o.line, email: o.email, reason: o.reason });
    }
  }
  return { counts: c, samples: s };
}

/** The report as table rows (outcome, count) for the CLI. */
export function reportTable(counts: ImportCounts): [string, number][] {
  const rows: [string, number][] = [
    ['rows read', counts.rows],
    ['imported and eligible', counts.eligible],
    ['imported but blocked', counts.blockedTotal],
  ];
  for (const [code, n] of Object.entries(counts.blocked).sort((a, b) => b[1] - a[1])) rows.push([`  blocked: ${code}`, n]);
  rows.push(['rejected as invalid', counts.invalid], ['duplicate', counts.duplicate], ['suppressed', counts.suppressed]);
  return rows;
}

export type RejectedRow = { line: number; outcome: string; reason: string; email: string | null; raw: string | null };

/** Rejected rows as CSV text (with its header when `header` is set), through csv-stringify. */
export function rejectedCsv(rows: readonly RejectedRow[], options: { header: boolean }): string {
  return stringify(rows.map((r) => [r.line, r.outcome, r.reason, r.email ?? '', r.raw ?? '']), {
    header: options.header,
    columns: ['line', 'outcome', 'reason', 'email', 'raw'],
  });
}
