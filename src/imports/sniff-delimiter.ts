/**
 * Delimiter sniffing: try each usual delimiter on the first lines with the real CSV parser and keep the one
 * that gives the most consistent number of columns (of at least two).
 */
import { parse } from 'csv-parse/sync';

export const delimiters = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof delimiters)[number];

/** Picks the delimiter of a text sample (the start of the file); a comma when nothing fits better. */
export function sniffDelimiter(sample: string): Delimiter {
  const cut = sample.lastIndexOf('\n');
  const text = cut > 0 ? sample.slice(0, cut + 1) : sample;
  let best: { delimiter: Delimiter; score: number } = { delimiter: ',', score: 0 };
  for (const delimiter of delimiters) {
    const score = scoreDelimiter(text, delimiter);
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}

function scoreDelimiter(text: string, delimiter: Delimiter): number {
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      to_line: 50,
    }) as string[][];
  } catch {
    return 0;
  }
  if (records.length === 0) return 0;
  // The usual width, not the first row's: a title row above the header has a column of its own.
  const widths = new Map<number, number>();
  for (const r of records) widths.set(r.length, (widths.get(r.length) ?? 0) + 1);
  let columns = 0;
  let rows = 0;
  for (const [width, n] of widths) if (width >= 2 && (n > rows || (n === rows && width > columns))) [columns, rows] = [width, n];
  if (columns < 2) return 0;
  const consistent = rows / records.length;
  // Consistency matters most; among equally consistent splits, more columns is the better reading.
  return consistent * 1000 + Math.min(columns, 100);
}
