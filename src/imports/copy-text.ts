/**
 * PostgreSQL's COPY text format (tab-separated, `\N` for null, backslash escapes) for the rows an import writes.
 * Pure: values in, text out. The same text feeds `COPY … FROM STDIN` on PostgreSQL and `FROM '/dev/blob'` on
 * PGlite; each row ends with a line feed.
 */

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field: null as `\N`, otherwise the text with backslash, tab and line breaks escaped. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : value;
}
