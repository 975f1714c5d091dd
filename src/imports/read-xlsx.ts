/**
 * Reads an .xlsx workbook as people make them: the cell values through read-excel-file (a formula's cached value,
 * dates formatted as dates), then what that library leaves out, from the workbook's XML: which sheet holds the
 * list (not an empty first sheet or a cover sheet), merged cells (a value merged down over several rows belongs to
 * each), whole numbers shown through a digits format (a postcode's "00000" or "00000-0000", a phone number's
 * "(###) ###-####") as the sheet shows them, and mailto: links, as hyperlinks or `HYPERLINK("mailto:…")` formulas
 * (whose cached value is the text shown, not the address). Files that are
 * no .xlsx (an OpenDocument or Numbers spreadsheet, another ZIP) or a damaged one are refused saying what to do.
 */
import { readFile } from 'node:fs/promises';
import readExcelFile from 'read-excel-file/node';
import { formatDigits } from './digits-format.js';
import { zipEntries, type ZipEntries } from './zip-entries.js';

/** One row of the chosen sheet; `mailto`: column index → address, for cells with a mailto: hyperlink. */
export type XlsxRow = { line: number; cells: string[]; mailto?: Map<number, string> };
export type XlsxBook = { sheet: string; rows: XlsxRow[] };

const SAVE_AS = 'save it as .xlsx (Excel Workbook) or as CSV UTF-8, then import that file';

/** Opens a workbook, or says why it cannot be imported and what to do. */
export async function readXlsxBook(path: string): Promise<{ ok: true; book: XlsxBook } | { ok: false; reason: string }> {
  const buf = await readFile(path);
  let zip: ZipEntries;
  try {
    zip = zipEntries(buf);
  } catch (err) {
    return { ok: false, reason: `the spreadsheet is damaged or incomplete (${(err as Error).message}); open it in Excel or LibreOffice and ${SAVE_AS}` };
  }
  if (!zip.names.includes('xl/workbook.xml')) return { ok: false, reason: notXlsx(zip) };
  let sheets: { sheet: string; data: unknown[][] }[];
  try {
    sheets = (await readExcelFile(buf)) as { sheet: string; data: unknown[][] }[];
  } catch (err) {
    return { ok: false, reason: `the spreadsheet cannot be read (${(err as Error).message}); open it in Excel or LibreOffice and ${SAVE_AS}` };
  }
  if (sheets.length === 0) return { ok: false, reason: 'the workbook has no sheet' };
  const index = chooseSheet(sheets.map((s) => s.data));
  let extras: SheetExtras = { merges: [], formats: new Map(), links: new Map() };
  try {
    const xmlPath = sheetPaths(zip)[index];
    if (xmlPath) extras = sheetExtras(zip, xmlPath);
  } catch {
    // The values are read; what the XML adds is a refinement that a workbook written oddly may lack.
  }
  return { ok: true, book: { sheet: sheets[index].sheet, rows: toRows(sheets[index].data, extras) } };
}

function notXlsx(zip: ZipEntries): string {
  const mimetype = zip.names.includes('mimetype') ? zip.text('mimetype') ?? '' : '';
  if (mimetype.includes('opendocument.spreadsheet')) {
    return 'the file is an OpenDocument spreadsheet (.ods), which is not read: in LibreOffice choose File > Save As, '
      + 'file type "Excel 2007-365 (.xlsx)" or "Text CSV", then import that file';
  }
  if (zip.names.some((n) => n.startsWith('Index/') || n.endsWith('.iwa'))) {
    return 'the file is an Apple Numbers document, which is not read: in Numbers choose File > Export To > Excel (or CSV), then import that file';
  }
  if (zip.names.some((n) => n.startsWith('word/') || n.startsWith('ppt/'))) return 'the file is a Word or PowerPoint document, not a spreadsheet';
  return `the file is a ZIP archive, not an .xlsx spreadsheet: unpack it and import the spreadsheet or CSV file inside, or ${SAVE_AS}`;
}

// An address anywhere in a cell; the sheet with most of them holds the list.
const ADDRESS = /[^\s@<>"',;:]+@[^\s@<>"',;:]+\.[^\s@<>"',;:]{2,}/;

/** The sheet holding the list: the one with the most cells that hold an address; else the first with any value. */
export function chooseSheet(sheets: readonly unknown[][][]): number {
  let best = -1;
  let bestCount = 0;
  let firstFilled = -1;
  sheets.forEach((rows, i) => {
    let count = 0;
    let filled = false;
    for (const row of rows) {
      for (const v of row) {
        if (v === null || v === undefined || v === '') continue;
        filled = true;
        if (typeof v === 'string' && ADDRESS.test(v)) count++;
      }
    }
    if (filled && firstFilled < 0) firstFilled = i;
    if (count > bestCount) {
      best = i;
      bestCount = count;
    }
  });
  return best >= 0 ? best : Math.max(firstFilled, 0);
}

type SheetExtras = {
  /** Merged ranges, 0-based and inclusive. */
  merges: { r1: number; c1: number; r2: number; c2: number }[];
  /** "row,col" (0-based) of a numeric cell → the digits format it is shown with ("00000-0000"). */
  formats: Map<string, string>;
  /** "row,col" → address of a mailto: hyperlink or HYPERLINK formula. */
  links: Map<string, string>;
};

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const unescapeXml = (s: string) => s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);

/** Workbook order → the part holding each sheet ("xl/worksheets/sheet1.xml"). */
function sheetPaths(zip: ZipEntries): (string | undefined)[] {
  const workbook = zip.text('xl/workbook.xml') ?? '';
  const rels = relationships(zip.text('xl/_rels/workbook.xml.rels'));
  return [...workbook.matchAll(/<(?:\w+:)?sheet\s[^>]*>/g)].map((m) => {
    const target = rels.get(attr(m[0], '(?:\\w+:)?id') ?? '');
    if (!target) return undefined;
    return target.startsWith('/') ? target.slice(1) : `xl/${target}`;
  });
}

function relationships(xml: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of (xml ?? '').matchAll(/<Relationship\s[^>]*>/g)) {
    const id = attr(m[0], 'Id');
    const target = attr(m[0], 'Target');
    if (id && target) map.set(id, unescapeXml(target));
  }
  return map;
}

/** "B12" → [11, 1] (0-based row, column). */
export function cellIndex(ref: string): [number, number] | null {
  const m = /^\$?([A-Z]{1,3})\$?(\d+)$/.exec(ref);
  if (!m) return null;
  let col = 0;
  for (const ch of m[1]) col = col * 26 + (ch.charCodeAt(0) - 64);
  return [Number(m[2]) - 1, col - 1];
}

function sheetExtras(zip: ZipEntries, xmlPath: string): SheetExtras {
  const xml = zip.text(xmlPath) ?? '';
  const extras: SheetExtras = { merges: [], formats: new Map(), links: new Map() };
  // Merged cells and hyperlinks come after the cell data.
  const end = Math.max(xml.lastIndexOf('</sheetData>'), 0);
  const tail = xml.slice(end);
  for (const m of tail.matchAll(/<mergeCell\s[^>]*ref="([A-Z$]+\d+):([A-Z$]+\d+)"/g)) {
    const a = cellIndex(m[1]);
    const b = cellIndex(m[2]);
    if (a && b) extras.merges.push({ r1: a[0], c1: a[1], r2: b[0], c2: b[1] });
  }
  const hyperlinks = [...tail.matchAll(/<hyperlink\s[^>]*>/g)];
  if (hyperlinks.length > 0) {
    const dir = xmlPath.slice(0, xmlPath.lastIndexOf('/'));
    const rels = relationships(zip.text(`${dir}/_rels/${xmlPath.slice(dir.length + 1)}.rels`));
    for (const h of hyperlinks) {
      const target = rels.get(attr(h[0], '(?:\\w+:)?id') ?? '');
      const address = target && mailtoAddress(target);
      const ref = attr(h[0], 'ref');
      if (!address || !ref) continue;
      const [from, to = from] = ref.split(':').map(cellIndex);
      if (!from || !to) continue;
      for (let r = from[0]; r <= to[0]; r++) for (let c = from[1]; c <= to[1]; c++) extras.links.set(`${r},${c}`, address);
    }
  }
  const styles = digitsFormatStyles(zip.text('xl/styles.xml'));
  const data = xml.slice(0, end);
  // The cells are read one by one only when a style has a digits format or some cell a formula.
  if (styles.size > 0 || data.includes('<f')) {
    for (const m of data.matchAll(/<c\s([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const ref = attr(` ${m[1]}`, 'r');
      const at = ref ? cellIndex(ref) : null;
      if (!at) continue;
      const type = attr(` ${m[1]}`, 't');
      const code = styles.get(Number(attr(` ${m[1]}`, 's') ?? -1));
      if (code && (type === undefined || type === 'n')) extras.formats.set(`${at[0]},${at[1]}`, code);
      const formula = m[2] && /<f(?:\s[^>]*)?>([^<]+)<\/f>/.exec(m[2])?.[1];
      const address = formula && hyperlinkFormulaAddress(unescapeXml(formula));
      if (address) extras.links.set(`${at[0]},${at[1]}`, address);
    }
  }
  return extras;
}

/** The address of a `HYPERLINK("mailto:…", "Name")` formula whose target is written out, or null. */
export function hyperlinkFormulaAddress(formula: string): string | null {
  const m = /^\s*=?\s*HYPERLINK\s*\(\s*"((?:[^"]|"")*)"\s*[,)]/i.exec(formula);
  return m ? mailtoAddress(m[1].replace(/""/g, '"')) : null;
}

/** The address of a mailto: link (without its ?subject=… part), or null. */
export function mailtoAddress(target: string): string | null {
  const m = /^\s*mailto:([^?#]+)/i.exec(target);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]).trim() || null;
  } catch {
    return m[1].trim() || null;
  }
}

/** Cell style index → number format, for the styles whose format `formatDigits` shows. */
function digitsFormatStyles(styles: string | undefined): Map<number, string> {
  const out = new Map<number, string>();
  if (!styles) return out;
  const formats = new Map<number, string>();
  for (const m of styles.matchAll(/<numFmt\s[^>]*>/g)) {
    const id = attr(m[0], 'numFmtId');
    const code = attr(m[0], 'formatCode');
    if (id && code !== undefined) formats.set(Number(id), unescapeXml(code));
  }
  const cellXfs = /<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/.exec(styles)?.[1] ?? '';
  [...cellXfs.matchAll(/<xf\b[^>]*>/g)].forEach((m, i) => {
    const code = formats.get(Number(attr(m[0], 'numFmtId') ?? 0));
    if (code && formatDigits(code, '1') !== null) out.set(i, code);
  });
  return out;
}

/** A cell as text: dates as ISO dates (with the time when there is one), numbers as written. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    // Excel keeps times as fractions of a day: round to the second.
    const iso = new Date(Math.round(value.getTime() / 1000) * 1000).toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  }
  return String(value);
}

function toRows(data: unknown[][], extras: SheetExtras): XlsxRow[] {
  const cells = data.map((row) => row.map(cellText));
  for (const [key, code] of extras.formats) {
    const [r, c] = key.split(',').map(Number);
    const v = cells[r]?.[c];
    const shown = v === undefined ? null : formatDigits(code, v);
    if (shown !== null) cells[r][c] = shown;
  }
  // A value merged down over several rows (a country for a group of people) belongs to each of them; a header
  // merged across columns names the first only, as the sheet shows one value.
  for (const m of extras.merges) {
    const top = cells[m.r1]?.[m.c1];
    if (!top || m.r2 === m.r1) continue;
    for (let r = m.r1 + 1; r <= m.r2 && r < cells.length; r++) {
      const row = cells[r];
      while (row.length <= m.c1) row.push('');
      if (row[m.c1] === '') row[m.c1] = top;
    }
  }
  const links = new Map<number, Map<number, string>>();
  for (const [key, address] of extras.links) {
    const [r, c] = key.split(',').map(Number);
    if (!links.has(r)) links.set(r, new Map());
    links.get(r)!.set(c, address);
  }
  const rows: XlsxRow[] = [];
  for (let i = 0; i < cells.length; i++) {
    if (cells[i].every((c) => c === '')) continue;
    const mailto = links.get(i);
    rows.push(mailto ? { line: i + 1, cells: cells[i], mailto } : { line: i + 1, cells: cells[i] });
  }
  return rows;
}
