/**
 * Excel's digits-only number formats, applied to a whole number as the sheet shows it: what a postcode or phone
 * number column holds when its cells are numbers (the zeros and separators exist only in the format). Pure.
 */

const CONDITION = /^\[(<=|>=|<>|<|>|=)(\d+(?:\.\d+)?)\]/;

/**
 * A whole number (its digits) as a digits-only number format shows it: a postcode's "00000" or "00000-0000", a
 * phone number's "[<=9999999]###-####;(###) ###-####", "000-00-0000", "0# ## ## ## ##". Such a format has only
 * digit placeholders (0 shows a digit or 0, # a digit or nothing) and separators (space - ( ) +, quoted or
 * escaped text), and conditions; null for any other format (decimals, thousands, dates, text), which is left alone.
 */
export function formatDigits(code: string, digits: string): string | null {
  if (!/^\d+$/.test(digits)) return null;
  const value = Number(digits);
  const sections = splitSections(code);
  let section: string | undefined;
  if (sections.some((x) => CONDITION.test(x))) {
    // The first section whose condition holds, or the first without one
    for (const x of sections) {
      const m = CONDITION.exec(x);
      if (!m) { section = x; break; }
      if (holds(m[1], value, Number(m[2]))) { section = x.slice(m[0].length); break; }
    }
  } else {
    section = value === 0 && sections.length >= 3 ? sections[2] : sections[0];
  }
  const tokens = section === undefined ? null : formatTokens(section);
  if (!tokens) return null;
  const placeholders = tokens.filter((t) => t === '0' || t === '#');
  // Zeros alone ("00000") or with separators: a bare "0" or "#" shows the number as written anyway
  const separated = tokens.length > placeholders.length;
  if (placeholders.length === 0 || (!separated && (placeholders.length < 2 || placeholders.includes('#')))) return null;
  let left = digits.replace(/^0+/, '');
  const first = tokens.findIndex((t) => t === '0' || t === '#');
  const out: string[] = [];
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i];
    if (t !== '0' && t !== '#') { out.push(t.slice(1)); continue; }
    // The leftmost placeholder takes every digit left over, as Excel shows a number longer than its format
    const take = i === first ? left : left.slice(-1);
    left = left.slice(0, left.length - take.length);
    out.push(take || (t === '0' ? '0' : ''));
  }
  return out.reverse().join('');
}

function holds(op: string, a: number, b: number): boolean {
  return op === '<=' ? a <= b : op === '>=' ? a >= b : op === '<' ? a < b : op === '>' ? a > b : op === '=' ? a === b : a !== b;
}

/** The sections of a format (split on ';' outside quotes and escapes). */
function splitSections(code: string): string[] {
  const sections: string[] = [];
  let current = '';
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === '"') {
      const close = code.indexOf('"', i + 1);
      const stop = close < 0 ? code.length : close + 1;
      current += code.slice(i, stop);
      i = stop - 1;
    } else if (ch === '\\') {
      current += code.slice(i, i + 2);
      i++;
    } else if (ch === ';') {
      sections.push(current);
      current = '';
    } else current += ch;
  }
  sections.push(current);
  return sections;
}

/** A section as placeholders ('0', '#') and literals ('L' + text); null when it holds anything else. */
function formatTokens(section: string): string[] | null {
  const tokens: string[] = [];
  for (let i = 0; i < section.length; i++) {
    const ch = section[i];
    if (ch === '0' || ch === '#') tokens.push(ch);
    else if (' -()+'.includes(ch)) tokens.push(`L${ch}`);
    else if (ch === '\\' && i + 1 < section.length) tokens.push(`L${section[++i]}`);
    else if (ch === '"') {
      const close = section.indexOf('"', i + 1);
      if (close < 0) return null;
      tokens.push(`L${section.slice(i + 1, close)}`);
      i = close;
    } else return null;
  }
  return tokens;
}
